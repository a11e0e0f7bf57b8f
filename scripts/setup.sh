#!/usr/bin/env bash
# Installs Tessera's build dependencies from Debian packages and builds the project.
# Usage: scripts/setup.sh [--deps-only | --fuzz] [build-dir]
#   --fuzz: also the fuzzing toolchain (clang, libFuzzer) that scripts/fuzz.sh needs; builds nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config
  libsystemc-dev libboost-program-options-dev libboost-mpi-dev
  libfmt-dev catch2 libhdf5-dev libyaml-cpp-dev nlohmann-json3-dev
  openmpi-bin libopenmpi-dev
  python3-h5py python3-matplotlib python3-numpy
)
[ "${1:-}" = "--fuzz" ] && packages+=(clang libclang-rt-14-dev)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

case "${1:-}" in --deps-only | --fuzz) exit 0 ;; esac
build_dir="${1:-build}"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release
cmake --build "$build_dir" -j "$(nproc)"
