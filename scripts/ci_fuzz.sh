#!/usr/bin/env bash
# CI stage 4: builds the libFuzzer target(s) (clang, -fsanitize=fuzzer,address,undefined) in
# ${FUZZ_BUILD_DIR:-build-fuzz} and runs each briefly from the seed corpus in tests/fuzz_corpus:
#   adiff_fuzz_parse for FUZZ_SECONDS (60) — the expression parser, evaluated and differentiated
#   adiff_fuzz_ops   for FUZZ_OPS_SECONDS (30) — straight-line programs over every primitive,
#                    run in every mode (plain, Dual, Var, Hessians, checked); values must be
#                    bitwise equal and derivatives agree (rounding is told apart at 50/100 digits)
# A crash, hang (>10 s per input), leak or broken contract fails the stage; the reproducer is
# left in $B/fuzz-ci/<target>/ (turn it into a regression test named after what it found).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
source scripts/ci_common.sh
B=${FUZZ_BUILD_DIR:-build-fuzz}
# FUZZ_OPT (default -O0): the fuzz targets' optimisation (fuzz/CMakeLists.txt sets none of its
# own). The two targets instantiate every primitive and the whole language in every mode and are
# most of this stage: at -O0 fuzz_parse.cpp compiles in 106 s and fuzz_ops.cpp in 90 s, against
# 336 s and 258 s at -O1 (clang 14, this machine: the stage's build 154 s against 378 s). The CI
# run is a short smoke run, so it takes the faster build and fewer executions (-O0: ~22,000 parser
# and ~3,500 ops executions in 60 s and 30 s, against ~98,000 and ~47,000 at -O1); build with
# FUZZ_OPT=-O1 for scripts/ci_fuzz_long.sh's long runs.
CC=clang CXX=clang++ cmake -S . -B "$B" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="${FUZZ_OPT:--O0} -gline-tables-only" \
  -DADIFF_BUILD_FUZZ=ON -DADIFF_BUILD_TESTS=OFF -DADIFF_BUILD_CLI=OFF -DADIFF_BUILD_EXAMPLES=OFF \
  -DADIFF_BUILD_BENCH=OFF -DADIFF_SANITIZE=OFF >/dev/null
targets=()
mapfile -t known < <(ci_cmake_targets "$B")
wanted=(adiff_fuzz_parse)
[ "${FUZZ_OPS_SECONDS:-30}" -gt 0 ] && wanted+=(adiff_fuzz_ops)
for t in "${wanted[@]}"; do
  if printf '%s\n' "${known[@]}" | grep -qx "$t"; then targets+=("$t"); else echo "ci_fuzz: $t is not defined (skipped)"; fi
done
[ ${#targets[@]} -gt 0 ] || { echo "ci_fuzz: no fuzz target to build" >&2; exit 1; }
# One build of everything the directory defines (the fuzz targets and their library) when every
# target is wanted: with Makefiles, `--target a b` builds a, then b (each one file: one core).
if [ ${#targets[@]} -eq ${#wanted[@]} ]; then cmake --build "$B" -j"$JOBS"; else cmake --build "$B" -j"$JOBS" --target "${targets[@]}"; fi
rc=0
for t in "${targets[@]}"; do
  name=${t#adiff_fuzz_}
  secs=${FUZZ_SECONDS:-60}
  [ "$name" = ops ] && secs=${FUZZ_OPS_SECONDS:-30}
  work="$ROOT/$B/fuzz-ci/$name"
  rm -rf "$work"
  mkdir -p "$work/corpus"
  dict=()
  if [ -f "$ROOT/fuzz/$name.dict" ]; then  # the syntax tokens, and the function names from the registry
    ADIFF_WRITE_DICT="$work/functions.dict" "$ROOT/$B/fuzz/$t"
    cat "$ROOT/fuzz/$name.dict" "$work/functions.dict" >"$work/$name.dict"
    dict=(-dict="$work/$name.dict")
  fi
  log="$work/fuzz.log"
  r=0
  (cd "$work" && "$ROOT/$B/fuzz/$t" corpus "$ROOT/tests/fuzz_corpus/$name" "${dict[@]}" -max_total_time="$secs" \
      -max_len=512 -timeout=10 -rss_limit_mb=3000 -print_final_stats=1 >"$log" 2>&1) || r=$?
  n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  echo "ci_fuzz: $t ran ${secs}s, ${n:-?} executions, exit $r"
  if [ $r -ne 0 ]; then
    grep -E "contract broken|source:|ERROR|SUMMARY|Test unit|runtime error" "$log" | head -20
    rc=1
  fi
done
exit $rc
