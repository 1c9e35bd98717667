#!/usr/bin/env bash
# Times `workbench check FILE.grad` (release build) on the NNDL (6.40)/(6.41) worksheet of issue 9
# at its own size (H = 4, D = 3, T = 5) and at H = 64, D = 32, T = 100, and prints one line per
# worksheet: claims, instances, wall seconds (best of REPEATS runs), exit status.
#
# usage: scripts/bench_worksheet.sh [REPEATS]      (default 3; builds the release product first)
set -euo pipefail
cd "$(dirname "$0")/.."
repeats="${1:-3}"
swift build -c release --product workbench >/dev/null
bin="$(swift build -c release --product workbench --show-bin-path)/workbench"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT

model() { # H D T
  cat <<GRAD
size H = $1, D = $2, T = $3
param U[H,H], W[H,D], b[H]
input x[t][D] for t = 1..T
input y[t][H] for t = 1..T
input h[0][H]
z[t] = U @ h[t-1] + W @ x[t] + b            for t = 1..T
h[t] = tanh(z[t])                           for t = 1..T
L[t] = 0.5 * sum((h[t] - y[t])^2)           for t = 1..T
L = sum(t = 1..T, L[t])
let delta[t,k] = (1 - h[t]^2) * (h[t] - y[t])         for t = 1..T, k = t
let delta[t,k] = (1 - h[k]^2) * (U' @ delta[t,k+1])   for t = 1..T, k = 1..t-1
GRAD
}
claims() {
  cat <<GRAD
claim dL[t]/dz[k] = delta[t,k]                        for t = 1..T, k = 1..t
claim dL/dW = sum(t = 1..T, sum(k = 1..t, delta[t,k] @ x[k]'))
claim dL/db = sum(t = 1..T, sum(k = 1..t, delta[t,k]))
claim dh[t]/dh[t-1] = diag(1 - h[t]^2) @ U            for t = 1..T
GRAD
}
entrywise='claim dL[t]/dU[i,j] = sum(k = 1..t, delta[t,k][i] * h[k-1][j])   for t = 1..T, i = 1..H, j = 1..H'
wrong='claim dL/dW = sum(t = 1..T, delta[t,t] @ x[t]'"'"')
claim dL[t]/dz[k] = -delta[t,k]                       for t = 1..T, k = 1..t
claim dL/db = sum(t = 1..T, h[t])'

{ model 4 3 5; claims; echo "$entrywise"; } > "$dir/issue-size.grad"
{ model 64 32 100; claims; } > "$dir/h64-t100.grad"
{ model 64 32 100; claims; echo "$entrywise"; } > "$dir/h64-t100-entrywise.grad"
{ model 64 32 100; echo "$wrong"; } > "$dir/h64-t100-failing.grad"

printf '%-26s %7s %10s %9s %6s\n' worksheet claims instances seconds exit
for name in issue-size h64-t100 h64-t100-entrywise h64-t100-failing; do
  file="$dir/$name.grad"
  best=""
  for _ in $(seq "$repeats"); do
    start=$(date +%s.%N)
    set +e; "$bin" check "$file" --json > "$dir/out.json"; status=$?; set -e
    end=$(date +%s.%N)
    t=$(echo "$end - $start" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
  done
  counts=$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["claims"]; print(len(c), sum(x["instances"] for x in c))' "$dir/out.json")
  printf '%-26s %7s %10s %9.3f %6s\n' "$name" ${counts% *} ${counts#* } "$best" "$status"
done
