#!/usr/bin/env bash
# Proves the installed package works: configures + builds adiff (library targets and the CLI,
# no tests), runs `cmake --install` into a fresh temporary prefix, checks the installed files,
# then configures, builds and runs the standalone consumer project tests/consumer against the
# prefix (find_package(adiff 0.1 REQUIRED), link adiff::ad [adiff::eigen]), and checks that
# asking for an incompatible version is refused. Exits non-zero on any failure.
#
#   scripts/check_install.sh [--build-dir DIR] [--prefix DIR] [--no-cli] [--keep]
#     --build-dir DIR  install from this build tree. If it is already configured (e.g. CI's main
#                      `build`, after it was built), it is installed as it is: no reconfigure,
#                      no build (the whole check then takes ~20 s).
#                      Default: /tmp/adiff-install-build, configured here without tests and
#                      reused between runs so a re-run is incremental.
#     --prefix DIR     install prefix (default: a new mktemp -d, removed at the end unless --keep)
#     --no-cli         do not build/install the `adiff` CLI (faster)
#     --keep           keep the prefix and the consumer build
# Environment: JOBS (default 2), CXX, CMAKE_GENERATOR as usual.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
BUILD=/tmp/adiff-install-build
REUSE=0
PREFIX=""
CLI=ON
KEEP=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) BUILD=$2; [[ -f $2/CMakeCache.txt ]] && REUSE=1; shift 2 ;;
    --prefix) PREFIX=$2; shift 2 ;;
    --no-cli) CLI=OFF; shift ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | grep '^#'; exit 0 ;;
    *) echo "check_install: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
JOBS=${JOBS:-2}
WORK=$(mktemp -d /tmp/adiff-check-install.XXXXXX)
[[ -n $PREFIX ]] || PREFIX=$WORK/prefix
cleanup() { if [[ $KEEP == 0 ]]; then rm -rf "$WORK"; else echo "check_install: kept $WORK"; fi; }
trap cleanup EXIT
fail() { echo "check_install: FAILED: $*" >&2; exit 1; }
step() { echo "== check_install: $*"; }

if [[ $REUSE == 1 ]]; then
  step "install the existing build $BUILD as it is"
  CLI=$(sed -n 's/^ADIFF_BUILD_CLI:BOOL=//p' "$BUILD/CMakeCache.txt")
  [[ $CLI == ON || $CLI == OFF ]] || CLI=OFF
else
  step "configure + build $BUILD (CLI $CLI)"
  cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DADIFF_BUILD_TESTS=OFF -DADIFF_BUILD_EXAMPLES=OFF \
        -DADIFF_BUILD_BENCH=OFF -DADIFF_BUILD_CLI=$CLI >"$WORK/configure.log" 2>&1 \
    || { cat "$WORK/configure.log"; fail "configuring adiff"; }
  cmake --build "$BUILD" -j"$JOBS" >"$WORK/build.log" 2>&1 || { tail -50 "$WORK/build.log"; fail "building adiff"; }
fi

step "install into $PREFIX"
rm -rf "$PREFIX"
cmake --install "$BUILD" --prefix "$PREFIX" >"$WORK/install.log" 2>&1 \
  || { cat "$WORK/install.log"; fail "cmake --install (is $BUILD fully built?)"; }
VERSION=$(sed -n 's/^project(adiff VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
CMAKEDIR=$(dirname "$(find "$PREFIX" -name adiffConfig.cmake | head -1)")
[[ -n $CMAKEDIR && -d $CMAKEDIR ]] || fail "no adiffConfig.cmake under $PREFIX"
for f in "$PREFIX/include/adiff/ad/adiff.hpp" "$PREFIX/include/adiff/ad/version.hpp" \
         "$PREFIX/include/adiff/ops/rules/rules.hpp" "$PREFIX/include/adiff/ad/plot/heatmap.hpp" \
         "$CMAKEDIR/adiffConfigVersion.cmake" "$CMAKEDIR/adiffTargets.cmake"; do
  [[ -f $f ]] || fail "missing installed file $f"
done
grep -q "ADIFF_VERSION_STRING \"$VERSION\"" "$PREFIX/include/adiff/ad/version.hpp" || fail "version.hpp does not say $VERSION"
grep -q "PACKAGE_VERSION \"$VERSION\"" "$CMAKEDIR/adiffConfigVersion.cmake" || fail "adiffConfigVersion.cmake does not say $VERSION"
if [[ $CLI == ON ]]; then
  [[ -x $PREFIX/bin/adiff ]] || fail "the adiff CLI was not installed in $PREFIX/bin"
  "$PREFIX/bin/adiff" --help >/dev/null || fail "installed adiff --help"
fi
echo "   installed adiff $VERSION: $(find "$PREFIX" -type f | wc -l) files"

step "consumer project against the prefix"
# Only the prefix is searched for adiff (not the source or build tree).
cmake -S "$SRC/tests/consumer" -B "$WORK/consumer" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$PREFIX" \
      -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF >"$WORK/consumer-configure.log" 2>&1 \
  || { cat "$WORK/consumer-configure.log"; fail "configuring the consumer"; }
grep "adiff .* found in" "$WORK/consumer-configure.log" | sed 's/^-- /   /'
grep -q "found in $PREFIX" "$WORK/consumer-configure.log" || fail "the consumer did not find adiff in $PREFIX"
cmake --build "$WORK/consumer" -j"$JOBS" >"$WORK/consumer-build.log" 2>&1 \
  || { cat "$WORK/consumer-build.log"; fail "building the consumer"; }
ctest --test-dir "$WORK/consumer" --output-on-failure || fail "running the consumer"

step "an incompatible version request is refused"
if cmake -S "$SRC/tests/consumer" -B "$WORK/consumer-v99" -DCMAKE_PREFIX_PATH="$PREFIX" \
         -DADIFF_CONSUMER_REQUIRE=99.0 >"$WORK/v99.log" 2>&1; then
  fail "find_package(adiff 99.0) succeeded against version $VERSION"
fi
grep -q "adiffConfig.cmake, version: $VERSION" "$WORK/v99.log" || { cat "$WORK/v99.log"; fail "unexpected error for version 99.0"; }
echo "check_install: OK (adiff $VERSION installed, consumer built and passed)"
