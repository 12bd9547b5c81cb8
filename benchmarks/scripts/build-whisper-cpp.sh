#!/usr/bin/env bash
# Builds whisper.cpp's own benchmark tool (whisper-bench) for THIS CPU, as a fair peer for the CPU engine benchmark.
#
# Why: the prebuilt @fugood/node-whisper-linux-x64 (whisper.cpp 1.9.3) is compiled for baseline x86-64 — its
# system info reads "CPU : OPENMP = 1 | REPACK = 1" with no AVX/AVX2/FMA/F16C/AVX512, and index.node holds no
# ymm/zmm instruction — so it measures whisper.cpp without SIMD. whisper.cpp's documented build (cmake, GGML_NATIVE
# on by default) compiles for the host CPU; that is what this script builds, from the whisper.cpp source tree the
# npm package nodejs-whisper ships (a devDependency of this package: whisper.cpp 1.9.1, full ggml included).
# Nothing is downloaded. Output: benchmarks/.cache/whisper.cpp-native/bin/whisper-bench (git-ignored).
#
# One patch, applied to a copy of the tree: ggml 1.9.1's im2col_f16 asserts that the conv KERNEL is f16 (its type and
# its element stride nb00), although it only reads the image; ggml_conv_1d always asks for an f16 im2col, so 1.9.1
# aborts on every f32 ggml model ("ops.cpp: GGML_ASSERT(src0->type == GGML_TYPE_F16) failed" in the encoder's first
# conv). whisper.cpp 1.9.3 (the prebuilt) dropped both asserts; the patch deletes the same two lines, after which
# ggml_compute_forward_im2col_f16 is identical to 1.9.3's.
# Usage: bash benchmarks/scripts/build-whisper-cpp.sh   (about 35 s on 2 cores; a no-op when up to date)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
upstream="$(cd "$here/node_modules/nodejs-whisper/cpp/whisper.cpp" && pwd)"
src="$here/.cache/whisper.cpp-src"
build="$here/.cache/whisper.cpp-native"
mkdir -p "$here/.cache"
if [ ! -f "$src/.patched" ]; then
  rm -rf "$src"
  cp -r "$upstream" "$src"
  ops="$src/ggml/src/ggml-cpu/ops.cpp"
  # The kernel-type assert inside ggml_compute_forward_im2col_f16 (the only function with these three asserts).
  python3 - "$ops" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
old = ("    GGML_ASSERT(src0->type == GGML_TYPE_F16);\n"
       "    GGML_ASSERT(src1->type == GGML_TYPE_F16 || src1->type == GGML_TYPE_F32);\n"
       "    GGML_ASSERT( dst->type == GGML_TYPE_F16);\n")
stride = "    GGML_ASSERT(nb00 == sizeof(ggml_fp16_t));\n"
start = text.find("static void ggml_compute_forward_im2col_f16(")
end = text.find("\n}\n", start)
body = text[start:end]
if start < 0 or body.count(old) != 1 or body.count(stride) != 1:
    sys.exit(f"build-whisper-cpp: {path} is not the ggml 1.9.1 this patch expects")
body = body.replace(old, old.split("\n", 1)[1]).replace(stride, "")
open(path, "w").write(text[:start] + body + text[end:])
PY
  touch "$src/.patched"
fi
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
  -DGGML_NATIVE=ON -DWHISPER_BUILD_TESTS=OFF -DWHISPER_BUILD_EXAMPLES=ON -DWHISPER_BUILD_SERVER=OFF \
  -DWHISPER_SDL2=OFF -DWHISPER_CURL=OFF -DWHISPER_FFMPEG=OFF >"$build.configure.log" 2>&1 ||
  { cat "$build.configure.log"; exit 1; }
cmake --build "$build" --target whisper-bench -j "$(nproc)"
echo "built $build/bin/whisper-bench"
