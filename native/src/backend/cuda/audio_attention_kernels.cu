#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cfloat>

#include "backend/cuda/audio_attention_kernels.h"
#include "backend/cuda/device_elements.cuh"

namespace verbatim::cuda_kernels {
namespace {

constexpr int kWarp = 32;
constexpr int kThreads = 256;  // a block a row: 1500 audio frames are six values a thread
constexpr int kTile = 32;      // TransposeToHalfPadded's square tiles

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
__global__ void SoftmaxRowsKernel(const float* scores, Out* out, int64_t n, int64_t out_stride) {
  __shared__ float shared[kThreads / kWarp];
  const float* row = scores + blockIdx.x * n;
  Out* out_row = out + blockIdx.x * out_stride;
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
  for (int64_t i = n + threadIdx.x; i < out_stride; i += kThreads)
    out_row[i] = StoredAs<Out>(0.0f);
}

__global__ void TransposeToHalfPaddedKernel(
    const float* x, int64_t frames, int64_t width, int64_t padded_frames, __half* out) {
  __shared__ float tile[kTile][kTile + 1];  // +1: no bank conflicts on the transposed reads
  const int64_t batch = blockIdx.z;
  const int64_t first_frame = blockIdx.x * static_cast<int64_t>(kTile);
  const int64_t first_channel = blockIdx.y * static_cast<int64_t>(kTile);
  const float* window = x + batch * frames * width;
  for (int i = threadIdx.y; i < kTile; i += blockDim.y) {
    const int64_t frame = first_frame + i, channel = first_channel + threadIdx.x;
    tile[i][threadIdx.x] = frame < frames && channel < width ? window[frame * width + channel] : 0.0f;
  }
  __syncthreads();
  __half* target = out + batch * width * padded_frames;
  for (int i = threadIdx.y; i < kTile; i += blockDim.y) {
    const int64_t channel = first_channel + i, frame = first_frame + threadIdx.x;
    if (channel < width && frame < padded_frames)
      target[channel * padded_frames + frame] = __float2half_rn(tile[threadIdx.x][i]);
  }
}

}  // namespace

template <typename Out>
void SoftmaxRows(const float* scores, Out* out, int64_t rows, int64_t n, int64_t out_stride, Stream stream) {
  if (rows == 0 || n == 0)
    return;
  SoftmaxRowsKernel<<<static_cast<unsigned>(rows), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(
      scores, OnDevice(out), n, out_stride);
}

void TransposeToHalfPadded(const float* x,
                           int64_t batch,
                           int64_t frames,
                           int64_t width,
                           int64_t padded_frames,
                           Half* out,
                           Stream stream) {
  if (batch == 0 || width == 0 || padded_frames == 0)
    return;
  const dim3 grid(static_cast<unsigned>((padded_frames + kTile - 1) / kTile),
                  static_cast<unsigned>((width + kTile - 1) / kTile), static_cast<unsigned>(batch));
  TransposeToHalfPaddedKernel<<<grid, dim3(kTile, 8), 0, static_cast<cudaStream_t>(stream)>>>(
      x, frames, width, padded_frames, OnDevice(out));
}

template void SoftmaxRows<float>(const float*, float*, int64_t, int64_t, int64_t, Stream);
template void SoftmaxRows<Half>(const float*, Half*, int64_t, int64_t, int64_t, Stream);

}  // namespace verbatim::cuda_kernels
