#!/usr/bin/env bash
# CI stage 3: tests/reliability's thread tests built with clang -fsanitize=thread and run:
# test_reliability_threads (several threads record and sweep tapes at once, and make the process's
# first calls to the elementary and gamma functions at 50 and 100 digits at once) and
# test_reliability_threads_sym (several threads build, differentiate and evaluate symbolic
# expressions, each in its own graph). Any data race fails the stage.
# Build dir: ${TSAN_BUILD_DIR:-build-tsan}; only these targets are built.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ci_common.sh
B=${TSAN_BUILD_DIR:-build-tsan}
CC=clang CXX=clang++ cmake -S . -B "$B" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DCMAKE_CXX_FLAGS="-fsanitize=thread -fno-omit-frame-pointer" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" \
  -DADIFF_SANITIZE=OFF -DADIFF_BUILD_TESTS=ON -DADIFF_BUILD_CLI=OFF \
  -DADIFF_BUILD_EXAMPLES=OFF -DADIFF_BUILD_BENCH=OFF -DADIFF_BUILD_FUZZ=OFF >/dev/null
tests=(test_reliability_threads test_reliability_threads_sym)
cmake --build "$B" -j"$JOBS" --target "${tests[@]}"
# Some kernels use more mmap randomisation than clang 14's TSan supports ("unexpected memory
# mapping"); running with ASLR off (setarch -R) avoids that where it is allowed.
norand=()
if setarch "$(uname -m)" -R true 2>/dev/null; then norand=(setarch "$(uname -m)" -R); fi
rc=0
for t in "${tests[@]}"; do
  exe="$B/tests/reliability/$t"
  log="$B/tsan_$t.log"
  ADIFF_THREAD_ITERATIONS=${ADIFF_THREAD_ITERATIONS:-100} "${norand[@]}" "$exe" --durations yes >"$log" 2>&1 || rc=$?
  cat "$log"
  ci_fail_on_reports "$log" || rc=1
done
exit $rc
