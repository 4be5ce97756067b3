#!/usr/bin/env bash
# CI stage 5: leak check of repeated gradients and CLI evaluations with valgrind (memcheck,
# definite and indirect leaks and invalid accesses are errors) on the Release build of stage 1
# (${BUILD_DIR:-build}): the memory tests of tests/reliability with fewer iterations, and the
# adiff CLI on one run of each command. The ASan stage already runs LeakSanitizer at the exit
# of every test with the full iteration counts; this stage checks the uninstrumented binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ci_common.sh
B=${BUILD_DIR:-build}
VG=(valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect
    --error-exitcode=99 --track-origins=no)
fails=0
run() {  # run NAME CMD...: under valgrind; exit 99 = a memcheck error or leak
  local name=$1; shift
  local log="$B/valgrind-$name.log" rc=0 t=$(date +%s)
  "${VG[@]}" --log-file="$log" "$@" >"$B/valgrind-$name.out" 2>&1 || rc=$?
  echo "ci_leaks: $name exit $rc ($(( $(date +%s) - t ))s)"
  if [ $rc -ne 0 ] && [ $rc -ne "${expect:-0}" ]; then
    cat "$log" | head -40; tail -20 "$B/valgrind-$name.out"; fails=$((fails + 1))
  elif grep -q "ERROR SUMMARY: [1-9]\|definitely lost: [1-9]\|indirectly lost: [1-9]" "$log"; then
    cat "$log" | head -40; fails=$((fails + 1))
  fi
}
targets=()
for t in test_reliability_memory test_reliability_memory_expr adiff; do
  ci_cmake_targets "$B" | grep -qx "$t" && targets+=("$t")
done
cmake --build "$B" -j"$JOBS" --target "${targets[@]}"
export ADIFF_MEMORY_ITERATIONS=${ADIFF_MEMORY_ITERATIONS:-2000} ADIFF_SKIP_RSS_CHECK=1
for t in test_reliability_memory test_reliability_memory_expr; do
  exe="$B/tests/reliability/$t"
  [ -x "$exe" ] && run "$t" "$exe"
done
A="$B/cli/adiff"
if [ -x "$A" ]; then
  run cli-eval "$A" eval "s = softmax(z); sum(s * log(s))" --at "z=[1,2,3]"
  run cli-grad "$A" grad "x^2 * sin(y) + sum(exp(z))" --at x=1.5 --at y=0.5 --at "z=[1,-1]"
  run cli-grad-reverse "$A" grad "sum(z) - log(softmax(z)[2])" --at "z=[1,3,5,7]" --mode reverse
  run cli-jacobian "$A" jacobian "softmax(z)" --at "z=[1,3,5,7]" --mode forward
  run cli-hessian "$A" hessian "x^3 * y + log(y)" --at x=1 --at y=2
  run cli-diff "$A" diff "softmax(z)" --wrt z --size z=4
  run cli-check "$A" check "softmax(z)" --claim "s = softmax(z); diag(s) - outer(s, s)" --wrt z --random 5
  run cli-mp50 "$A" grad "exp(x) / (1 + x)" --at x=0.1 --precision 50
  expect=2 run cli-parse-error "$A" eval "(x + 1" --at x=1
  expect=3 run cli-nonfinite "$A" eval "log(x)" --at x=-1
  run cli-softmax-report "$A" softmax
else
  echo "ci_leaks: $A not built; CLI runs skipped"
fi
[ $fails -eq 0 ] || { echo "ci_leaks: $fails run(s) with leaks or memory errors" >&2; exit 1; }
echo "ci_leaks: no leaks, no memory errors"
