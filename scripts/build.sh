#!/usr/bin/env bash
# Configures and builds adiff into ${BUILD_DIR:-build} (Release, -j2). Extra args go to cmake.
# BUILD_TARGET=adiff builds only the command line (what scripts/run.sh needs).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
source scripts/generator.sh
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-Release} "$@" >/dev/null
cmake --build "$BUILD_DIR" -j"${JOBS:-2}" ${BUILD_TARGET:+--target "$BUILD_TARGET"}
