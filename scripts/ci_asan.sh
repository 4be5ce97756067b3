#!/usr/bin/env bash
# CI stage 2: the test suite (and the CLI it drives) built with clang, -O0 (line tables only:
# enough for symbolised reports). -O0 halves the stage: the build is backend-bound (LLVM's
# optimiser and code generation take 100 of the 114 s of the 50-digit CLI file at -O1, 26 s in
# all at -O0) while the tests run 90 s at -O0 against 112 s at -O1 (measured on this machine),
# AddressSanitizer + UndefinedBehaviorSanitizer (+ LeakSanitizer at exit), then ctest.
# Any sanitizer report fails the stage. Build dir: ${ASAN_BUILD_DIR:-build-asan}. Not here: the
# fuzz-corpus regression test (132 s to compile): the fuzz stage replays that corpus under ASan
# and UBSan through the same fuzz-target bodies.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ci_common.sh
B=${ASAN_BUILD_DIR:-build-asan}
CC=clang CXX=clang++ cmake -S . -B "$B" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O0 -gline-tables-only" \
  -DADIFF_SANITIZE=ON -DADIFF_BUILD_TESTS=ON -DADIFF_BUILD_CLI=ON \
  -DADIFF_BUILD_EXAMPLES=${ADIFF_ASAN_EXAMPLES:-ON} -DADIFF_BUILD_BENCH=OFF -DADIFF_BUILD_FUZZ=OFF \
  -DADIFF_TEST_FUZZ_REGRESSIONS=OFF >/dev/null
cmake --build "$B" -j"$JOBS"
# The memory tests run 10^6 iterations in stage 1; under ASan 10^5 keep the stage short.
export ADIFF_MEMORY_ITERATIONS=${ADIFF_MEMORY_ITERATIONS:-100000}
# python_printer starts ~600 adiff processes; under ASan each starts ~10x slower (0.2 s, LSan's
# exit scan included): here each primitive is printed at its first test point only (~240).
export ADIFF_PRINTER_ONE_POINT=${ADIFF_PRINTER_ONE_POINT:-1}
rc=0
ctest --test-dir "$B" --output-on-failure -j"$JOBS" || rc=$?
ci_fail_on_reports "$B/Testing/Temporary/LastTest.log" || rc=1
exit $rc
