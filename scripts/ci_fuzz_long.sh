#!/usr/bin/env bash
# The long local fuzz run (not part of .ci/run): runs a libFuzzer target in chunks of
# CHUNK executions (each chunk a fresh process, so the global symbolic graph and ASan's
# quarantine start empty) until TOTAL executions or SECONDS_MAX seconds, keeping the corpus in
# WORK/corpus and crashes in WORK/. Prints the running total; any crash stops the run (exit 1).
#   usage: scripts/ci_fuzz_long.sh [parse|ops]   env: TOTAL CHUNK SECONDS_MAX WORK FUZZ_BUILD_DIR SEED_BASE
#   (run two with different WORK and SEED_BASE to use two cores; add their totals)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
source scripts/ci_common.sh
target=${1:-parse}
B=${FUZZ_BUILD_DIR:-build-fuzz}
exe="$ROOT/$B/fuzz/adiff_fuzz_$target"
[ -x "$exe" ] || { echo "fuzz-long: $exe not built (run FUZZ_OPT=-O1 scripts/ci_fuzz.sh first: optimised, more executions)" >&2; exit 2; }
TOTAL=${TOTAL:-10000000}
CHUNK=${CHUNK:-150000}
SECONDS_MAX=${SECONDS_MAX:-7200}
WORK=${WORK:-$ROOT/$B/fuzz-long-$target}
mkdir -p "$WORK/corpus"
dict=()
if [ "$target" = parse ]; then  # the syntax tokens, and the function names from the registry
  ADIFF_WRITE_DICT="$WORK/functions.dict" "$exe"
  cat "$ROOT/fuzz/parse.dict" "$WORK/functions.dict" >"$WORK/parse.dict"
  dict=(-dict="$WORK/parse.dict")
fi
done_runs=0
start=$(date +%s)
chunk=0
while [ "$done_runs" -lt "$TOTAL" ] && [ $(( $(date +%s) - start )) -lt "$SECONDS_MAX" ]; do
  chunk=$((chunk + 1))
  log="$WORK/chunk.log"
  rc=0
  (cd "$WORK" && "$exe" corpus "$ROOT/tests/fuzz_corpus/$target" "${dict[@]}" -runs="$CHUNK" -max_len=512 \
      -timeout=10 -rss_limit_mb=3000 -print_final_stats=1 -seed=$(( ${SEED_BASE:-0} + chunk )) >"$log" 2>&1) || rc=$?
  n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  done_runs=$((done_runs + ${n:-0}))
  echo "fuzz-long $target: chunk $chunk rc=$rc executions $n total $done_runs elapsed $(( $(date +%s) - start ))s"
  if [ "$rc" -ne 0 ]; then
    grep -E "contract broken|source:|ERROR|SUMMARY|Test unit" "$log" | head -20
    cp "$log" "$WORK/crash-chunk-$chunk.log"
    exit 1
  fi
done
echo "fuzz-long $target: DONE total executions $done_runs in $(( $(date +%s) - start ))s, no crash, hang or leak"
