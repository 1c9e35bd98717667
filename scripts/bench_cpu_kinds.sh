#!/usr/bin/env bash
# Benchmarks the poem trainer against PyTorch twice on one x86-64 machine: built for the
# machine itself (AVX-512 where it has it) and built for AVX2 + FMA only, with PyTorch
# restricted to the same instructions in the second case. Prints each `workbench poem bench`
# report as it comes (tile chosen, FMA peak, phases, PyTorch's epoch, ratios).
#
# usage: scripts/bench_cpu_kinds.sh CORPUS PYTHON [BATCHES [THREADS [AVX2_CPU]]]
#   CORPUS    the poems (e.g. ../shared/data/subset_poems.txt)
#   PYTHON    a Python with torch (e.g. /tmp/torchenv/bin/python)
#   BATCHES   batches timed per run (default 100; 0 = a whole epoch)
#   THREADS   threads for both trainers (default 2)
#   AVX2_CPU  the -target-cpu of the AVX2 build (default x86-64-v3; znver3 for AMD Zen 3)
# Both builds go to their own folders (.build, .build-avx2); run from the project folder.
# On a shared machine, run it several times: one run is one sample.
set -euo pipefail
corpus=${1:?usage: scripts/bench_cpu_kinds.sh CORPUS PYTHON [BATCHES [THREADS [AVX2_CPU]]]}
python=${2:?usage: scripts/bench_cpu_kinds.sh CORPUS PYTHON [BATCHES [THREADS [AVX2_CPU]]]}
batches=${3:-100}
threads=${4:-2}
avx2_cpu=${5:-x86-64-v3}
cd "$(dirname "$0")/.."

swift build -c release --product workbench
WORKBENCH_TARGET_CPU="$avx2_cpu" swift build -c release --scratch-path .build-avx2 --product workbench

echo "== built for this machine ($(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | xargs || uname -m)); PyTorch unrestricted"
.build/release/workbench poem bench --corpus "$corpus" --batches "$batches" --threads "$threads" --python "$python"
echo
echo "== built for $avx2_cpu (AVX2 + FMA); PyTorch restricted to AVX2"
ATEN_CPU_CAPABILITY=avx2 MKL_ENABLE_INSTRUCTIONS=AVX2 ONEDNN_MAX_CPU_ISA=AVX2 \
    .build-avx2/release/workbench poem bench --corpus "$corpus" --batches "$batches" --threads "$threads" --python "$python"
