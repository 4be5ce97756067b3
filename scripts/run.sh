#!/usr/bin/env bash
# The main job: installs what is missing, builds, and runs the softmax cross-check report.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
BUILD_TARGET=adiff scripts/build.sh   # only the command line: the tests are scripts/test.sh's
exec "${BUILD_DIR:-build}/cli/adiff" "$@"
