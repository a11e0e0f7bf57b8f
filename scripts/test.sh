#!/usr/bin/env bash
# Installs dependencies if missing, builds, and runs the whole test suite with ctest.
# Usage: scripts/test.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${1:-build}"
scripts/setup.sh "$build_dir"
export SC_COPYRIGHT_MESSAGE=DISABLE
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)"
