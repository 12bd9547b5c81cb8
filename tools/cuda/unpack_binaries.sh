# Sourced by gpu_check.sh and quick_check.sh on the GPU machine: the packed engine tests and bench
# (.carry/cuda-test, tools/cuda/pack.sh) unpacked into $W with their libraries, and the environment they run in.
W=/tmp/verbatim-cuda && rm -rf "$W" && mkdir -p "$W"
xz -dc .carry/cuda-test/verbatim_engine_tests.xz >"$W/tests" && xz -dc .carry/cuda-test/verbatim_engine_bench.xz >"$W/bench"
chmod +x "$W/tests" "$W/bench" && tar -C "$W" -xJf .carry/cuda-test/libs.tar.xz
export LD_LIBRARY_PATH="$W/lib:/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}" VERBATIM_SHARED="$PWD/.carry/shared"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
