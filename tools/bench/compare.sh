#!/usr/bin/env bash
# Ours (every instruction-set path) against PyTorch 1.13's in-place idioms, interleaved, pinned to one core, 1 thread:
#   tools/bench/compare.sh [rounds=3] [seconds-per-kernel=1] > compare.json
# Each round runs `diffusion bench --paths this --threads 1` once per path (DOTNET_EnableAVX512=0 gives the AVX2
# path, DOTNET_EnableAVX2=0 the scalar one) and tools/bench/pytorch_reference.py once, one after the other, so that
# a change in the machine's load hits all of them alike. The summary gives, per kernel and path, the median over
# rounds of the wall-clock rate and of the rate per CPU second of the process (robust on a shared core), and the
# ratios of the same round: ours / PyTorch, Vector256 / Vector512, B / D. Needs a Release build of the CLI:
#   dotnet build src/Diffusion.Cli -c Release
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
seconds=${2:-1}
cli=src/Diffusion.Cli/bin/Release/net10.0/diffusion
out=$(mktemp -d)
trap 'rm -r "$out"' EXIT
for ((r = 1; r <= rounds; r++)); do
  DOTNET_PROCESSOR_COUNT=1 taskset -c 0 "$cli" bench --paths this --threads 1 --seconds "$seconds" --json > "$out/$r-default.json"
  DOTNET_PROCESSOR_COUNT=1 DOTNET_EnableAVX512=0 taskset -c 0 "$cli" bench --paths this --threads 1 --seconds "$seconds" --json > "$out/$r-avx2.json"
  DOTNET_PROCESSOR_COUNT=1 DOTNET_EnableAVX2=0 taskset -c 0 "$cli" bench --paths this --threads 1 --seconds "$seconds" --json > "$out/$r-scalar.json"
  OMP_NUM_THREADS=1 taskset -c 0 /usr/bin/python3 tools/bench/pytorch_reference.py "$seconds" > "$out/$r-torch.json"
done
/usr/bin/python3 tools/bench/summarise.py "$out" "$rounds"
