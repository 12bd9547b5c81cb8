#!/usr/bin/env bash
# Builds the native engine and its C++ tests with AddressSanitizer and UndefinedBehaviorSanitizer and runs them.
# Any sanitizer report fails the run. Usage: bash tools/native/sanitize.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${1:-build/native-sanitize}"
cmake -S native -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVERBATIM_SANITIZE=address,undefined >/dev/null
cmake --build "$build" -j2
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# OpenBLAS's own threads trip LeakSanitizer at exit on some builds; one thread keeps the report about our code.
export OPENBLAS_NUM_THREADS=1
ctest --test-dir "$build" --output-on-failure
