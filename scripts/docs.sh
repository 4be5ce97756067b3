#!/usr/bin/env bash
# Builds the API documentation with Doxygen (docs/Doxyfile) into ${DOCS_OUT:-build-docs}/html
# and fails if Doxygen reports ANY warning (an undocumented public symbol, a broken
# reference, a doc error). The warnings are listed, one per line, in $DOCS_OUT/warnings.log.
#   scripts/docs.sh [--images BUILD_DIR]
#     --images BUILD_DIR  also regenerate docs/img/batch_jacobian.png from the plot_seed000
#                         program built in BUILD_DIR (needs rsvg-convert)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${DOCS_OUT:-build-docs}
if [[ ${1:-} == --images ]]; then
  BUILD=${2:?"--images needs a build directory"}
  cmake --build "$BUILD" --target plot_seed000 -j"${JOBS:-2}" >/dev/null
  "$BUILD/tests/plot/plot_seed000" "$OUT.batch_jacobian.svg"
  rsvg-convert -o docs/img/batch_jacobian.png "$OUT.batch_jacobian.svg"
  rm -f "$OUT.batch_jacobian.svg"
  echo "docs: wrote docs/img/batch_jacobian.png"
fi
command -v doxygen >/dev/null || { echo "docs: doxygen not found (apt-get install doxygen)" >&2; exit 2; }
mkdir -p "$OUT"
LOG=$OUT/warnings.log
# The members of the rule structs are documented from each rule's one-line comment.
python3 docs/api/rules_doc.py ops/rules/rules.hpp >"$OUT/rules_members.dox"
{ cat docs/Doxyfile; echo "OUTPUT_DIRECTORY = $OUT"; echo "WARN_LOGFILE = $LOG"; echo "INPUT += $OUT/rules_members.dox"; } | doxygen - >"$OUT/doxygen.out" 2>&1 \
  || { cat "$OUT/doxygen.out"; echo "docs: doxygen failed" >&2; exit 1; }
N=$(grep -c "warning:" "$LOG" || true)
if [[ $N -gt 0 ]]; then
  sed "s|^$PWD/||" "$LOG" | grep "warning:" >&2
  echo "docs: FAILED: $N Doxygen warning(s) (undocumented: $(grep -c 'is not documented' "$LOG" || true)); see $LOG" >&2
  exit 1
fi
echo "docs: OK, no warnings: $OUT/html/index.html ($(ls "$OUT/html" | wc -l) files)"
