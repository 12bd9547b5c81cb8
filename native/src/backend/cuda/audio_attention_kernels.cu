#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cfloat>

#include "backend/cuda/audio_attention_kernels.h"
#include "backend/cuda/device_elements.cuh"

namespace verbatim::cuda_kernels {
namespace {

constexpr int kWarp = 32;
constexpr int kThreads = 256;  // a block a row: 1500 audio frames are six values a thread
constexpr int kFoldRows = 16;  // query rows a FoldQueries block computes, each thread one column for all 16
// UnfoldContext: a block's rows of context (as f32) in 40 KB of shared memory: 8 of large-v3's 1280-wide.
constexpr int kUnfoldSharedFloats = static_cast<int>(kMostFoldWidth);
constexpr int kMostUnfoldRows = 8;

/** An element's value: f32 as it is, f16 widened (device_elements.cuh's AsFloat, for pointers' targets). */
__device__ inline float Value(float x) {
  return x;
}
__device__ inline float Value(__half x) {
  return __half2float(x);
}

template <typename W, typename Out>
__global__ void FoldQueriesKernel(const float* q, const W* key_weight, FoldShape shape, Out* folded) {
  __shared__ float queries[kFoldRows][kMostFoldHead];
  const int head = blockIdx.y;
  const int64_t column = blockIdx.x * static_cast<int64_t>(kThreads) + threadIdx.x;
  const int64_t first_row = blockIdx.z * static_cast<int64_t>(kFoldRows);
  const int rows = static_cast<int>(min(static_cast<int64_t>(kFoldRows), shape.n_queries - first_row));
  for (int i = threadIdx.x; i < rows * shape.head; i += kThreads) {
    const int row = i / shape.head, k = i % shape.head;
    queries[row][k] = q[(first_row + row) * shape.width + head * shape.head + k];
  }
  __syncthreads();
  if (column >= shape.width)
    return;
  float sums[kFoldRows] = {};
  const W* weights = key_weight + static_cast<int64_t>(head) * shape.head * shape.width + column;
  // Unrolled so that a thread has several weight loads in flight: one at a time, each waited for, was a
  // latency-bound ~20 µs a layer at large-v3's shape.
#pragma unroll 16
  for (int k = 0; k < shape.head; ++k) {
    const float w = Value(weights[k * shape.width]);  // a row of the head's slice: coalesced across threads
#pragma unroll
    for (int row = 0; row < kFoldRows; ++row)
      sums[row] += queries[row][k] * w;
  }
  for (int row = 0; row < rows; ++row)
    folded[((first_row + row) * shape.n_heads + head) * shape.width + column] = StoredAs<Out>(sums[row]);
}

template <typename C, typename W>
__global__ void UnfoldContextKernel(const C* context,
                                    const W* value_weight,
                                    const float* value_bias,
                                    FoldShape shape,
                                    int tile_rows,
                                    float* out) {
  extern __shared__ float tile[];  // [tile_rows][width]: this head's context for the block's rows
  const int head = blockIdx.x;
  const int64_t first_row = blockIdx.z * static_cast<int64_t>(tile_rows);
  const int rows = static_cast<int>(min(static_cast<int64_t>(tile_rows), shape.n_queries - first_row));
  for (int row = 0; row < rows; ++row) {
    const C* source = context + ((first_row + row) * shape.n_heads + head) * shape.width;
    for (int64_t c = threadIdx.x; c < shape.width; c += kThreads)
      tile[row * shape.width + c] = Value(source[c]);
  }
  __syncthreads();
  // A warp an output column of the head: blockIdx.y picks the block's 8 of them.
  const int warp = threadIdx.x / kWarp, lane = threadIdx.x % kWarp;
  const int j = blockIdx.y * (kThreads / kWarp) + warp;
  if (j < shape.head) {
    const int64_t output = static_cast<int64_t>(head) * shape.head + j;
    const W* weights = value_weight + output * shape.width;
    float sums[kMostUnfoldRows] = {};
    // Unrolled for loads in flight, as in FoldQueriesKernel.
#pragma unroll 8
    for (int64_t c = lane; c < shape.width; c += kWarp) {
      const float w = Value(weights[c]);
#pragma unroll
      for (int row = 0; row < kMostUnfoldRows; ++row)
        sums[row] += row < rows ? tile[row * shape.width + c] * w : 0.0f;
    }
    const float bias = value_bias != nullptr ? value_bias[output] : 0.0f;
#pragma unroll
    for (int row = 0; row < kMostUnfoldRows; ++row) {
      float sum = sums[row];
      for (int offset = kWarp / 2; offset > 0; offset /= 2)
        sum += __shfl_xor_sync(0xffffffffu, sum, offset);
      if (lane == 0 && row < rows)
        out[(first_row + row) * shape.width + output] = sum + bias;
    }
  }
}

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

template <typename W, typename Out>
void FoldQueries(const float* q, const W* key_weight, const FoldShape& shape, Out* folded, Stream stream) {
  if (shape.n_queries == 0)
    return;
  const dim3 grid(static_cast<unsigned>((shape.width + kThreads - 1) / kThreads),
                  static_cast<unsigned>(shape.n_heads),
                  static_cast<unsigned>((shape.n_queries + kFoldRows - 1) / kFoldRows));
  FoldQueriesKernel<<<grid, kThreads, 0, static_cast<cudaStream_t>(stream)>>>(q, OnDevice(key_weight), shape,
                                                                              OnDevice(folded));
}

template <typename C, typename W>
void UnfoldContext(const C* context,
                   const W* value_weight,
                   const float* value_bias,
                   const FoldShape& shape,
                   float* out,
                   Stream stream) {
  if (shape.n_queries == 0)
    return;
  const int tile_rows = static_cast<int>(
      std::max<int64_t>(1, std::min<int64_t>(kMostUnfoldRows, kUnfoldSharedFloats / shape.width)));
  constexpr int kWarps = kThreads / kWarp;
  const dim3 grid(static_cast<unsigned>(shape.n_heads),
                  static_cast<unsigned>((shape.head + kWarps - 1) / kWarps),
                  static_cast<unsigned>((shape.n_queries + tile_rows - 1) / tile_rows));
  const std::size_t shared = static_cast<std::size_t>(tile_rows * shape.width) * sizeof(float);
  UnfoldContextKernel<<<grid, kThreads, shared, static_cast<cudaStream_t>(stream)>>>(
      OnDevice(context), OnDevice(value_weight), value_bias, shape, tile_rows, out);
}

template <typename Out>
void SoftmaxRows(const float* scores, Out* out, int64_t rows, int64_t n, Stream stream) {
  if (rows == 0 || n == 0)
    return;
  SoftmaxRowsKernel<<<static_cast<unsigned>(rows), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(
      scores, OnDevice(out), n);
}

template void FoldQueries<float, float>(const float*, const float*, const FoldShape&, float*, Stream);
template void FoldQueries<Half, Half>(const float*, const Half*, const FoldShape&, Half*, Stream);
template void UnfoldContext<float, float>(
    const float*, const float*, const float*, const FoldShape&, float*, Stream);
template void UnfoldContext<Half, Half>(
    const Half*, const Half*, const float*, const FoldShape&, float*, Stream);
template void SoftmaxRows<float>(const float*, float*, int64_t, int64_t, Stream);
template void SoftmaxRows<Half>(const float*, Half*, int64_t, int64_t, Stream);

}  // namespace verbatim::cuda_kernels
