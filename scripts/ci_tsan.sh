#!/usr/bin/env bash
# CI stage 3: tests/reliability's thread test built with clang -fsanitize=thread and run
# (several threads record and sweep at once). Any data race fails the stage.
# Build dir: ${TSAN_BUILD_DIR:-build-tsan}; only the one target is built.
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
cmake --build "$B" -j"$JOBS" --target test_reliability_threads
exe="$B/tests/reliability/test_reliability_threads"
log="$B/tsan.log"
# Some kernels use more mmap randomisation than clang 14's TSan supports ("unexpected memory
# mapping"); running with ASLR off (setarch -R) avoids that where it is allowed.
run=("$exe" --durations yes)
if setarch "$(uname -m)" -R true 2>/dev/null; then run=(setarch "$(uname -m)" -R "${run[@]}"); fi
rc=0
ADIFF_THREAD_ITERATIONS=${ADIFF_THREAD_ITERATIONS:-100} "${run[@]}" >"$log" 2>&1 || rc=$?
cat "$log"
ci_fail_on_reports "$log" || rc=1
exit $rc
