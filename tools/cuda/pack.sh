#!/usr/bin/env bash
# Here (nvcc 13, no GPU): build the engine's C++ tests and bench with the CUDA backend and pack them, with the shared
# libraries the GPU machine lacks (OpenBLAS and its Fortran runtime), into .carry/cuda-test/ for tools/cuda/gpu_check.sh,
# and what those need of ../shared into .carry/shared/.
#   bash tools/cuda/pack.sh [build-dir]     then run(carry: [".carry/cuda-test", ".carry/shared"]) gpu_check.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${1:-build/native-cuda}"
cmake -S native -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DVERBATIM_CUDA=ON >/dev/null
cmake --build "$build" -j2 --target verbatim_engine_tests verbatim_engine_bench verbatim_decode_attention_bench
out=.carry/cuda-test
rm -rf "$out" && mkdir -p "$out/lib"
xz -T2 -6 -c "$build/verbatim_engine_tests" >"$out/verbatim_engine_tests.xz"
xz -T2 -6 -c "$build/verbatim_engine_bench" >"$out/verbatim_engine_bench.xz"
xz -T2 -6 -c "$build/verbatim_decode_attention_bench" >"$out/verbatim_decode_attention_bench.xz"
for lib in libopenblas.so.0 libgfortran.so.5 libquadmath.so.0; do cp -L "/usr/lib/x86_64-linux-gnu/$lib" "$out/lib/"; done
tar -C "$out" -cJf "$out/libs.tar.xz" lib && rm -rf "$out/lib"
# the commit, "-dirty" when native/ had uncommitted changes
echo "$(git rev-parse --short=12 HEAD)$(git diff --quiet HEAD -- native || echo -dirty)" >"$out/commit"
# What the tests and weights need from ../shared: the tokenizer files and one recording (for the GPU log-mel).
shared="${VERBATIM_SHARED:-../shared}"
rm -rf .carry/shared && mkdir -p .carry/shared/assets .carry/shared/speech
cp -r "$shared/assets/whisper" .carry/shared/assets/ && cp -r "$shared/speech/jfk" .carry/shared/speech/
ls -la "$out"
