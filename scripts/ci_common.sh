# Shared by the scripts/ci_*.sh stages (sourced, not run): sanitizer options and helpers.
# Every sanitizer report is fatal: ASan/LSan exit with code 86, UBSan and TSan abort.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:exitcode=86:abort_on_error=0:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:abort_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-exitcode=86}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:second_deadlock_stack=1}
export CI=${CI:-true}
JOBS=${JOBS:-2}
source "$(dirname "${BASH_SOURCE[0]}")/generator.sh"

# ci_fail_on_reports FILE...: exits 1 if any sanitizer report appears in the given logs.
ci_fail_on_reports() {
  local f
  for f in "$@"; do
    [ -f "$f" ] || continue
    if grep -E -n "ERROR: (Address|Leak|Thread|Memory)Sanitizer|WARNING: ThreadSanitizer|runtime error:|SUMMARY: (Address|Leak|Thread|UndefinedBehavior)Sanitizer" "$f" | head -20; then
      echo "ci: sanitizer report in $f" >&2
      return 1
    fi
  done
}

# ci_cmake_targets BUILD_DIR: the targets the build directory defines (one per line): Makefiles
# list them as "... name", Ninja as "name: phony" (or its rule).
ci_cmake_targets() {
  cmake --build "$1" --target help 2>/dev/null | sed -n 's/^\.\.\. \([^ ]*\).*/\1/p; s/^\([^ :[]*\): [a-z_]*$/\1/p'
}
