#!/usr/bin/env bash
# Builds the native engine's C++ tests (Release) and runs them with ctest. Usage: bash tools/native/test.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${1:-build/native}"
cmake -S native -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2
ctest --test-dir "$build" --output-on-failure
