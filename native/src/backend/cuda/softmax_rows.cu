#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cfloat>

#include "backend/cuda/device_elements.cuh"
#include "backend/cuda/softmax_rows.h"

namespace verbatim::cuda_kernels {
namespace {

constexpr int kWarp = 32;
constexpr int kThreads = 256;  // a block a row: 1500 audio frames are six values a thread

/** The block's reduction of `value` (max or sum) through shared memory; every thread gets the result. */
template <bool kMax>
__device__ float BlockReduce(float value, float* shared) {
  for (int offset = kWarp / 2; offset > 0; offset /= 2) {
    const float other = __shfl_xor_sync(0xffffffffu, value, offset);
    value = kMax ? fmaxf(value, other) : value + other;
  }
  const int warp = threadIdx.x / kWarp, lane = threadIdx.x % kWarp;
  if (lane == 0)
    shared[warp] = value;
  __syncthreads();
  value = kMax ? -FLT_MAX : 0.0f;
  for (int i = 0; i < kThreads / kWarp; ++i)
    value = kMax ? fmaxf(value, shared[i]) : value + shared[i];
  __syncthreads();  // `shared` is free again for the next reduction
  return value;
}

template <typename Out>
__global__ void SoftmaxRowsKernel(const float* scores, Out* out, int64_t n) {
  __shared__ float shared[kThreads / kWarp];
  const float* row = scores + blockIdx.x * n;
  Out* out_row = out + blockIdx.x * n;
  float most = -FLT_MAX;
  for (int64_t i = threadIdx.x; i < n; i += kThreads)
    most = fmaxf(most, row[i]);
  most = BlockReduce<true>(most, shared);
  float sum = 0.0f;
  for (int64_t i = threadIdx.x; i < n; i += kThreads)
    sum += expf(row[i] - most);
  sum = BlockReduce<false>(sum, shared);
  const float scale = 1.0f / sum;
  // Read again rather than kept: `out` may be `scores`, and every thread's reads above are done (the barrier
  // in the reduction).
  for (int64_t i = threadIdx.x; i < n; i += kThreads)
    out_row[i] = StoredAs<Out>(expf(row[i] - most) * scale);
}

}  // namespace

template <typename Out>
void SoftmaxRows(const float* scores, Out* out, int64_t rows, int64_t n, Stream stream) {
  if (rows == 0 || n == 0)
    return;
  SoftmaxRowsKernel<<<static_cast<unsigned>(rows), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(
      scores, OnDevice(out), n);
}

template void SoftmaxRows<float>(const float*, float*, int64_t, int64_t, Stream);
template void SoftmaxRows<Half>(const float*, Half*, int64_t, int64_t, Stream);

}  // namespace verbatim::cuda_kernels
