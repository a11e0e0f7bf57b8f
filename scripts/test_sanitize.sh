#!/usr/bin/env bash
# Builds the AddressSanitizer + UndefinedBehaviorSanitizer configuration (CMake preset asan, in
# build-asan/, without the benchmarks) and runs the whole test suite in it. A memory error, a
# leak or undefined behaviour fails the test it happens in. The sanitizer options the tests run
# with are set in cmake/TesseraTarget.cmake.
# Usage: scripts/test_sanitize.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --deps-only
cmake --preset asan
cmake --build --preset asan -j "$(nproc)"
ctest --preset asan -j "$(nproc)"
