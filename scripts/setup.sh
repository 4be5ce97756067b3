#!/usr/bin/env bash
# Installs every Debian package adiff needs that is missing. Idempotent; needs root (or sudo).
# Extra packages as arguments (scripts/bench.sh adds the libtorch-dev peer this way; the build and
# the tests never need it).
set -euo pipefail
PACKAGES=(
  build-essential cmake ninja-build git pkg-config python3 python3-numpy python3-scipy
  libboost-dev catch2 libbenchmark-dev libcli11-dev libfmt-dev
  libeigen3-dev libadolc-dev libceres-dev nlohmann-json3-dev
  clang libclang-rt-14-dev valgrind librsvg2-bin doxygen
  "$@"
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
