#!/usr/bin/env bash
# check_library_dependency.sh — proves that another package can depend on the workbench's
# library products by version, offline.
#
# 1. Copies the committed HEAD (`git archive`) into a temporary folder named `rnn-workbench`,
#    makes it a git repository and tags it 1.0.0.
# 2. Writes a fresh package from the files shown in docs/library.md (Package.swift,
#    Example.swift, main.swift; the placeholder URL replaced by the copy's file:// URL) plus one
#    file that calls Recurrent, Spectral and WorkbenchNumerics, builds it with `swift build`,
#    runs it, and compares what it prints with the page's output block.
# 3. Asks for the Poetry product the same way and expects SwiftPM to refuse it: Poetry needs the
#    PoemEngine kernels, which carry unsafe build flags.
#
# Usage: scripts/check_library_dependency.sh [--keep]
#   --keep   leave the temporary folder in place (its path is printed).
# Prints "ok" and exits 0 when all of that holds; otherwise says what failed and exits 1.
# Uncommitted changes are not part of the check: it tests what HEAD holds.

set -euo pipefail

keep=0
case "${1:-}" in
    "") ;;
    --keep) keep=1 ;;
    *) echo "usage: $0 [--keep]" >&2; exit 2 ;;
esac

root="$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
work="$(mktemp -d "${TMPDIR:-/tmp}/workbench-dependency.XXXXXX")"
if [ "$keep" = 1 ]; then echo "working in $work"; else trap 'rm -rf "$work"' EXIT; fi

fail() { echo "FAILED: $*" >&2; exit 1; }
placeholder='https://example.org/rnn-workbench.git'

# --- 1. The committed tree, tagged 1.0.0 -------------------------------------------------
library="$work/rnn-workbench"
mkdir -p "$library"
git -C "$root" archive --format=tar HEAD | tar -x -C "$library"
commit="$(git -C "$root" rev-parse --short HEAD)"
(
    cd "$library"
    git init -q
    git add -A
    git -c user.name="dependency check" -c user.email="check@localhost" -c commit.gpgsign=false \
        commit -q -m "RNN Workbench at $commit"
    git -c tag.gpgsign=false tag 1.0.0
)
echo "library: HEAD $commit copied to $library, tagged 1.0.0"

# --- 2. The package of docs/library.md -----------------------------------------------------
page="$library/docs/library.md"
# The fenced block after the line `<!-- MARKER -->`.
block() {
    awk -v marker="<!-- $1 -->" '
        $0 == marker { found = 1; next }
        found && /^```/ { if (inside) exit; inside = 1; next }
        inside { print }
    ' "$page"
}

client="$work/GradientCheckClient"
mkdir -p "$client/Sources/GradientCheckClient"
block "file: Package.swift" > "$client/Package.swift.page"
grep -qF "$placeholder" "$client/Package.swift.page" || fail "docs/library.md's Package.swift does not name $placeholder"
sed "s|$placeholder|file://$library|" "$client/Package.swift.page" > "$client/Package.swift"
rm "$client/Package.swift.page"
block "file: Sources/GradientCheckClient/Example.swift" > "$client/Sources/GradientCheckClient/Example.swift"
block "file: Sources/GradientCheckClient/main.swift" > "$client/Sources/GradientCheckClient/main.swift"
block "output" > "$work/expected-output.txt"
for f in Package.swift Sources/GradientCheckClient/Example.swift Sources/GradientCheckClient/main.swift; do
    [ -s "$client/$f" ] || fail "docs/library.md has no block for $f"
done
[ -s "$work/expected-output.txt" ] || fail "docs/library.md has no output block"

# The products the page's example does not call, called here so that each is compiled and linked.
cat > "$client/Sources/GradientCheckClient/OtherProducts.swift" <<'SWIFT'
import Recurrent
import Spectral
import WorkbenchNumerics

/// One call into each remaining product: a vanilla-RNN check and a spectral radius.
func otherProductsHold() -> Bool {
    let rnn = checkRNN(RNNCheckConfiguration(activation: .tanh, loss: .softmax, steps: 3, seed: 1))
    let rho = (try? spectralRadius(Matrix<Double>([[0.5, 1], [0, 0.25]]))) ?? .nan
    return rnn.passed && abs(rho - 0.5) < 1e-12
}
SWIFT
cat >> "$client/Sources/GradientCheckClient/main.swift" <<'SWIFT'
if !otherProductsHold() { fatalError("Recurrent or Spectral gave a wrong answer") }
SWIFT

echo "client: building $client against rnn-workbench 1.0.0"
swift build --package-path "$client" --cache-path "$work/cache" > "$work/client-build.log" 2>&1 \
    || { tail -30 "$work/client-build.log" >&2; fail "the versioned dependency did not build"; }
grep -q "rnn-workbench" "$client/Package.resolved" || fail "Package.resolved does not pin rnn-workbench"
grep -q '"version" : "1.0.0"' "$client/Package.resolved" || fail "rnn-workbench is not resolved at version 1.0.0"
"$client/.build/debug/GradientCheckClient" > "$work/output.txt" || fail "the client exited with status $?"
diff -u "$work/expected-output.txt" "$work/output.txt" || fail "the client's output differs from docs/library.md"
echo "client: built and ran; its output is the page's output block"

# --- 3. Poetry is refused --------------------------------------------------------------------
poetry="$work/PoetryClient"
mkdir -p "$poetry/Sources/PoetryClient"
cat > "$poetry/Package.swift" <<SWIFT
// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "PoetryClient",
    platforms: [.macOS(.v15)],
    dependencies: [.package(url: "file://$library", from: "1.0.0")],
    targets: [.executableTarget(name: "PoetryClient", dependencies: [.product(name: "Poetry", package: "rnn-workbench")])]
)
SWIFT
echo 'import Poetry' > "$poetry/Sources/PoetryClient/main.swift"
if swift build --package-path "$poetry" --cache-path "$work/cache" > "$work/poetry-build.log" 2>&1; then
    fail "SwiftPM accepted Poetry as a versioned dependency; update docs/library.md"
fi
grep -i "unsafe" "$work/poetry-build.log" >&2 || { tail -20 "$work/poetry-build.log" >&2; fail "Poetry failed for another reason than unsafe flags"; }
echo "poetry: refused as a versioned dependency (unsafe build flags), as expected"
echo ok
