#!/usr/bin/env bash
# The main job: installs what is missing, builds, and runs the softmax cross-check report.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
if [ -x "${BUILD_DIR:-build}/cli/adiff" ]; then
  exec "${BUILD_DIR:-build}/cli/adiff" "$@"
else
  exec "${BUILD_DIR:-build}/examples/example_tour" "$@"
fi
