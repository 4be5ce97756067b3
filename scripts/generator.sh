# Sourced by the build scripts: new build directories use Ninja when it is installed (setup.sh
# installs ninja-build). Ninja schedules the whole build graph at once: a target's files compile
# while the libraries it links are still building (Makefiles wait for them), which keeps both
# cores busy. A build directory keeps the generator it was configured with (CMake reads
# CMAKE_GENERATOR only for a new one), and an explicit CMAKE_GENERATOR wins.
if [ -z "${CMAKE_GENERATOR:-}" ] && command -v ninja >/dev/null 2>&1; then
  export CMAKE_GENERATOR=Ninja
fi
