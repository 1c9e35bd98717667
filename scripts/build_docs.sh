#!/usr/bin/env bash
# build_docs.sh — DocC documentation of the library modules, built with the toolchain's own
# `docc` (no package plugin).
#
# 1. Builds the modules with symbol-graph emission (`swift build -Xswiftc -emit-symbol-graph
#    -Xswiftc -emit-symbol-graph-dir -Xswiftc DIR`), in a scratch folder of its own so the usual
#    `.build` is not rebuilt with other flags.
# 2. Runs `docc convert` once per module on its catalog (Sources/<Module>/<Module>.docc) and the
#    module's symbol graphs. Warnings (an unresolved ``symbol`` link in a catalog or a doc
#    comment) are errors.
#
# Usage: scripts/build_docs.sh [OUTPUT]
#   OUTPUT   where the archives go (default .build/docs): OUTPUT/<Module>.doccarchive, and the
#            symbol graphs in OUTPUT/symbol-graphs/<Module>/. Not committed.
# Set DOCC to use another docc binary.

set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/.build/docs}"
modules=(WorkbenchNumerics Autodiff GradCheck Recurrent Spectral)
# Modules whose doc comments still draw docc warnings: built and their warnings shown, but not
# failed on. Empty: every module's warnings are errors.
lenient=()

if [ -n "${DOCC:-}" ]; then
    docc="$DOCC"
elif command -v xcrun > /dev/null 2>&1 && xcrun --find docc > /dev/null 2>&1; then
    docc="$(xcrun --find docc)"
elif command -v docc > /dev/null 2>&1; then
    docc="$(command -v docc)"
elif [ -x "$(dirname "$(command -v swift)")/docc" ]; then
    docc="$(dirname "$(command -v swift)")/docc"
else
    echo "error: no docc found next to swift or on PATH; set DOCC=/path/to/docc" >&2
    exit 1
fi

# The compiler writes a module's graphs when it compiles the module, so they live beside the
# scratch build they belong to: an up-to-date module is not recompiled and keeps its graphs.
scratch="$root/.build/docs-build"
emitted="$scratch/symbol-graphs"
graphs="$out/symbol-graphs"
rm -rf "$graphs"
mkdir -p "$emitted" "$graphs"
for module in "${modules[@]}"; do
    echo "building $module with symbol graphs"
    swift build --package-path "$root" --scratch-path "$scratch" --target "$module" \
        -Xswiftc -emit-symbol-graph -Xswiftc -emit-symbol-graph-dir -Xswiftc "$emitted" > "$out/build-$module.log" 2>&1 \
        || { tail -30 "$out/build-$module.log" >&2; echo "error: building $module failed" >&2; exit 1; }
done

for module in "${modules[@]}"; do
    # A module's own graph and its extensions of other modules' types (Module@Other).
    mkdir -p "$graphs/$module"
    cp "$emitted/$module.symbols.json" "$graphs/$module/"
    for extension in "$emitted/$module@"*.symbols.json; do
        [ -e "$extension" ] && cp "$extension" "$graphs/$module/"
    done
    archive="$out/$module.doccarchive"
    rm -rf "$archive"
    strict=(--warnings-as-errors)
    for name in ${lenient[@]+"${lenient[@]}"}; do [ "$name" = "$module" ] && strict=(); done
    echo "docc convert $module${strict[0]:+ (warnings are errors)}"
    "$docc" convert "$root/Sources/$module/$module.docc" \
        --additional-symbol-graph-dir "$graphs/$module" \
        --fallback-display-name "$module" \
        --fallback-bundle-identifier "org.rnn-workbench.$module" \
        --output-path "$archive" \
        "${strict[@]}" \
        > "$out/docc-$module.log" 2>&1 \
        || { cat "$out/docc-$module.log" >&2; echo "error: docc convert failed for $module" >&2; exit 1; }
    if grep -q "^warning" "$out/docc-$module.log"; then
        echo "  $(grep -c "^warning" "$out/docc-$module.log") warning(s), see $out/docc-$module.log"
    fi
done
echo "documentation archives:"
for module in "${modules[@]}"; do echo "  $out/$module.doccarchive"; done
