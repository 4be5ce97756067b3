#!/usr/bin/env bash
# Runs the benchmark suite (adiff vs ADOL-C, Eigen AutoDiffScalar, Ceres Jet, Boost autodiff,
# libtorch and the analytic limit) with REPS (default 5) repetitions in ONE run, keeps the raw JSON in
# bench/results.json and regenerates the README's benchmark section (scripts/bench_table.py).
#   scripts/bench.sh                      # everything, a few minutes on 2 cores
#   FILTER='grad_ce/' scripts/bench.sh    # a subset (the table then shows only that subset)
#   MERGE=1 FILTER='gmm_' scripts/bench.sh  # re-run a subset's workloads into the full results
set -euo pipefail
cd "$(dirname "$0")/.."
# libtorch-dev (the PyTorch C++ peer) only here; NO_TORCH=1 leaves its rows out
[ -n "${SKIP_SETUP:-}" ] || scripts/setup.sh $([ -n "${NO_TORCH:-}" ] || echo libtorch-dev)
BUILD_DIR=${BUILD_DIR:-build-bench}
source scripts/generator.sh
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DADIFF_BUILD_BENCH=ON \
  -DADIFF_BUILD_TESTS=OFF -DADIFF_BUILD_EXAMPLES=OFF -DADIFF_BUILD_CLI=OFF \
  -DCMAKE_DISABLE_FIND_PACKAGE_Torch=$([ -n "${NO_TORCH:-}" ] && echo ON || echo OFF) >/dev/null
cmake --build "$BUILD_DIR" --target adiff_bench -j"${JOBS:-2}"
OUT=${OUT:-bench/results.json}
RUN_OUT=$OUT
[ -n "${MERGE:-}" ] && RUN_OUT=$(mktemp)
BENCH="$BUILD_DIR/bench/adiff_bench"
run_suite() {  # run_suite OUT FILTER: one process, REPS repetitions of every benchmark FILTER matches
  "$BENCH" \
    --benchmark_repetitions="${REPS:-5}" \
    --benchmark_min_time="${MIN_TIME:-0.1}" \
    --benchmark_report_aggregates_only=true \
    --benchmark_out="$1" --benchmark_out_format=json \
    --benchmark_context=cpu_model="$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)" \
    --benchmark_context=cores="$(nproc)" \
    --benchmark_context=compiler="$(${CXX:-c++} --version | head -1)" \
    --benchmark_filter="$2"
}
# The GMM workloads (7) run last, in a process of their own: their tapes of several GB stay in
# the heap (bench/environment.cpp keeps freed memory), and the peers that ran after them in the
# same process paid for it (ADOL-C's buffers, calloc'd per recording, became a memset of fresh
# heap per call: 4.9 -> 217 us at Q = 10). The names FILTER selects are split into the two runs.
names=$("$BENCH" --benchmark_list_tests --benchmark_filter="${FILTER:-.}")
rest=$(grep -v '^gmm_' <<<"$names" || true)
gmm=$(grep '^gmm_' <<<"$names" || true)
exactly() { printf '^(%s)$' "$(sed 's/[].[*^$+?(){}|\\]/\\&/g' | paste -sd'|')"; }
if [ -n "$rest" ] && [ -n "$gmm" ]; then
  GMM_OUT=$(mktemp)
  run_suite "$RUN_OUT" "$(exactly <<<"$rest")"
  run_suite "$GMM_OUT" "$(exactly <<<"$gmm")"
  python3 scripts/bench_merge.py --append "$RUN_OUT" "$GMM_OUT" && rm -f "$GMM_OUT"
else
  run_suite "$RUN_OUT" "$(exactly <<<"$names")"
fi
[ -n "${MERGE:-}" ] && python3 scripts/bench_merge.py "$OUT" "$RUN_OUT" && rm -f "$RUN_OUT"
python3 scripts/bench_table.py "$OUT" README.md
echo "bench: wrote $OUT and the README section between <!-- bench:begin --> and <!-- bench:end -->"
