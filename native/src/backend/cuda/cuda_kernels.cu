#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cmath>

#include "backend/cuda/cuda_kernels.h"

namespace verbatim::cuda_kernels {
namespace {

constexpr int kThreads = 256;
constexpr int kWarp = 32;
constexpr int kMaxHeadDimPerLane = 4;  // head_dim ≤ 128 (every Whisper model has 64)

cudaStream_t AsStream(Stream stream) {
  return static_cast<cudaStream_t>(stream);
}

unsigned Blocks(int64_t n, int threads = kThreads) {
  return static_cast<unsigned>((n + threads - 1) / threads);
}

__device__ float Gelu(float x) {
  return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
}

__device__ float WarpSum(float value) {
  for (int offset = kWarp / 2; offset > 0; offset /= 2)
    value += __shfl_xor_sync(0xffffffffu, value, offset);
  return value;
}

/** Sum over the block (blockDim.x a multiple of 32, ≤ 1024); every thread gets the result. */
__device__ float BlockSum(float value, float* scratch) {
  const int lane = threadIdx.x % kWarp, warp = threadIdx.x / kWarp;
  value = WarpSum(value);
  __syncthreads();  // scratch may still be read from a previous call
  if (lane == 0)
    scratch[warp] = value;
  __syncthreads();
  const int n_warps = blockDim.x / kWarp;
  value = lane < n_warps ? scratch[lane] : 0.0f;
  return WarpSum(value);
}

__global__ void F32ToF16Kernel(const float* in, __half* out, int64_t n) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i < n)
    out[i] = __float2half_rn(in[i]);
}

__global__ void F32ToBF16Kernel(const float* in, __nv_bfloat16* out, int64_t n) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i < n)
    out[i] = __float2bfloat16_rn(in[i]);
}

/** The value of a stored 16-bit weight: bfloat16 is the top half of an f32, f16 is IEEE half precision. */
__device__ float Widen(uint16_t bits, bool bf16) {
  return bf16 ? __uint_as_float(static_cast<unsigned>(bits) << 16) : __half2float(__ushort_as_half(bits));
}

__global__ void WidenKernel(const uint16_t* in, bool bf16, float* out, int64_t n) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i < n)
    out[i] = Widen(in[i], bf16);
}

__global__ void BiasEpilogueKernel(float* out, const float* bias, int64_t total, int64_t n, bool gelu) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i >= total)
    return;
  float value = out[i] + (bias != nullptr ? bias[i % n] : 0.0f);
  out[i] = gelu ? Gelu(value) : value;
}

__global__ void LayerNormKernel(
    const float* x, const float* gain, const float* offset, float epsilon, int64_t width, float* out) {
  __shared__ float scratch[kWarp];
  const float* row = x + blockIdx.x * width;
  float* out_row = out + blockIdx.x * width;
  float sum = 0.0f;
  for (int64_t i = threadIdx.x; i < width; i += blockDim.x)
    sum += row[i];
  const float mean = BlockSum(sum, scratch) / static_cast<float>(width);
  float squares = 0.0f;
  for (int64_t i = threadIdx.x; i < width; i += blockDim.x) {
    const float centred = row[i] - mean;
    squares += centred * centred;
  }
  const float inv_std = rsqrtf(BlockSum(squares, scratch) / static_cast<float>(width) + epsilon);
  for (int64_t i = threadIdx.x; i < width; i += blockDim.x)
    out_row[i] = (row[i] - mean) * inv_std * gain[i] + offset[i];
}

__global__ void TransposeKernel(const float* x, int64_t n_rows, int64_t n_columns, float* out) {
  __shared__ float tile[32][33];  // +1: no bank conflicts on the transposed read
  const int64_t batch = blockIdx.z;
  const float* in = x + batch * n_rows * n_columns;
  float* dst = out + batch * n_rows * n_columns;
  const int64_t column = blockIdx.x * 32 + threadIdx.x;
  for (int j = threadIdx.y; j < 32; j += blockDim.y) {
    const int64_t row = blockIdx.y * 32 + j;
    if (row < n_rows && column < n_columns)
      tile[j][threadIdx.x] = in[row * n_columns + column];
  }
  __syncthreads();
  const int64_t out_column = blockIdx.y * 32 + threadIdx.x;  // an input row
  for (int j = threadIdx.y; j < 32; j += blockDim.y) {
    const int64_t out_row = blockIdx.x * 32 + j;  // an input column
    if (out_row < n_columns && out_column < n_rows)
      dst[out_row * n_rows + out_column] = tile[threadIdx.x][j];
  }
}

__global__ void Im2Col3Kernel(const float* x,
                              int64_t n_in_frames,
                              int64_t n_channels,
                              int stride,
                              int64_t n_out_frames,
                              float* columns) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  const int64_t patch = n_channels * 3;
  if (i >= n_out_frames * patch)
    return;
  const int64_t frame = i / patch, within = i % patch;
  const int64_t channel = within / 3, tap = within % 3;
  const int64_t source = frame * stride + tap - 1;
  columns[i] = source >= 0 && source < n_in_frames ? x[source * n_channels + channel] : 0.0f;
}

__global__ void AddPositionalKernel(const float* table,
                                    const int32_t* first_positions,
                                    int64_t n_frames,
                                    int64_t width,
                                    int64_t total,
                                    float* x) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i >= total)
    return;
  const int64_t row = i / width, column = i % width;
  const int64_t batch = row / n_frames;
  const int64_t position = (first_positions != nullptr ? first_positions[batch] : 0) + row % n_frames;
  x[i] += table[position * width + column];
}

__global__ void EmbedKernel(
    const int32_t* tokens, const void* table, int dtype, int64_t width, int64_t total, float* out) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i >= total)
    return;
  const int64_t source = static_cast<int64_t>(tokens[i / width]) * width + i % width;
  out[i] = dtype == 0 ? static_cast<const float*>(table)[source]
                      : Widen(static_cast<const uint16_t*>(table)[source], dtype == 2);
}

__global__ void AttentionKernel(const float* q,
                                const float* k,
                                const float* v,
                                int64_t n_queries,
                                int64_t n_keys,
                                int64_t d_model,
                                int n_heads,
                                const int32_t* past_lengths,
                                float scale,
                                int64_t n_rows,
                                float* out) {
  const int64_t warp = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) / kWarp;
  const int lane = threadIdx.x % kWarp;
  if (warp >= n_rows)
    return;
  const int64_t query = warp % n_queries;
  const int64_t head = (warp / n_queries) % n_heads;
  const int64_t batch = warp / (n_queries * n_heads);
  const int64_t head_dim = d_model / n_heads;
  const int64_t visible = past_lengths != nullptr ? past_lengths[batch] + query + 1 : n_keys;
  const float* q_row = q + (batch * n_queries + query) * d_model + head * head_dim;
  // Lanes split the head's dimensions: lane l holds l, l + 32, …, so key and value rows are read coalesced.
  float q_part[kMaxHeadDimPerLane], acc[kMaxHeadDimPerLane];
  for (int i = 0; i < kMaxHeadDimPerLane; ++i) {
    const int64_t d = lane + kWarp * i;
    q_part[i] = d < head_dim ? q_row[d] * scale : 0.0f;
    acc[i] = 0.0f;
  }
  float running_max = -INFINITY, running_sum = 0.0f;
  for (int64_t key = 0; key < visible; ++key) {
    const float* k_row = k + (batch * n_keys + key) * d_model + head * head_dim;
    const float* v_row = v + (batch * n_keys + key) * d_model + head * head_dim;
    float score = 0.0f;
    for (int i = 0; i < kMaxHeadDimPerLane; ++i) {
      const int64_t d = lane + kWarp * i;
      if (d < head_dim)
        score += q_part[i] * k_row[d];
    }
    score = WarpSum(score);
    const float new_max = fmaxf(running_max, score);
    const float correction = expf(running_max - new_max);
    const float weight = expf(score - new_max);
    running_sum = running_sum * correction + weight;
    for (int i = 0; i < kMaxHeadDimPerLane; ++i) {
      const int64_t d = lane + kWarp * i;
      acc[i] = acc[i] * correction + (d < head_dim ? weight * v_row[d] : 0.0f);
    }
    running_max = new_max;
  }
  float* out_row = out + (batch * n_queries + query) * d_model + head * head_dim;
  for (int i = 0; i < kMaxHeadDimPerLane; ++i) {
    const int64_t d = lane + kWarp * i;
    if (d < head_dim)
      out_row[d] = acc[i] / running_sum;
  }
}

constexpr int kTileQueries = 64;   // queries per block of the tiled kernel, one per thread
constexpr int kTileKeys = 64;      // keys per shared-memory tile
constexpr int kTiledHeadDim = 64;  // every Whisper model's head width

/**
 * Attention for many queries at once: a block takes 64 queries of one (sequence, head), one per thread, with
 * the query and its accumulator in registers; 64-key tiles of K and V are staged in shared memory and read by
 * every thread (broadcast), with an online softmax per query. Scores are never stored.
 */
__global__ void TiledAttentionKernel(const float* q,
                                     const float* k,
                                     const float* v,
                                     int64_t n_queries,
                                     int64_t n_keys,
                                     int64_t d_model,
                                     const int32_t* past_lengths,
                                     float scale,
                                     float* out) {
  __shared__ float k_tile[kTileKeys][kTiledHeadDim];
  __shared__ float v_tile[kTileKeys][kTiledHeadDim];
  const int64_t head = blockIdx.y, batch = blockIdx.z;
  const int64_t query = static_cast<int64_t>(blockIdx.x) * kTileQueries + threadIdx.x;
  const bool active = query < n_queries;
  const int64_t past = past_lengths != nullptr ? past_lengths[batch] : 0;
  // Keys this query sees, and the most any query of the block sees (the tiles to load).
  const int64_t visible = past_lengths != nullptr ? past + query + 1 : n_keys;
  const int64_t last_query = min(n_queries, static_cast<int64_t>(blockIdx.x + 1) * kTileQueries) - 1;
  const int64_t block_keys = past_lengths != nullptr ? min(n_keys, past + last_query + 1) : n_keys;

  float q_row[kTiledHeadDim], acc[kTiledHeadDim];
  const float* q_base = q + (batch * n_queries + (active ? query : 0)) * d_model + head * kTiledHeadDim;
  for (int d = 0; d < kTiledHeadDim; ++d) {
    q_row[d] = active ? q_base[d] * scale : 0.0f;
    acc[d] = 0.0f;
  }
  float running_max = -INFINITY, running_sum = 0.0f;
  for (int64_t tile_start = 0; tile_start < block_keys; tile_start += kTileKeys) {
    const int tile_size = static_cast<int>(min(static_cast<int64_t>(kTileKeys), block_keys - tile_start));
    __syncthreads();  // every thread is done with the previous tile
    for (int i = threadIdx.x; i < kTileKeys * kTiledHeadDim; i += blockDim.x) {
      const int row = i / kTiledHeadDim, d = i % kTiledHeadDim;
      const bool inside = row < tile_size;
      const int64_t offset = (batch * n_keys + tile_start + row) * d_model + head * kTiledHeadDim + d;
      k_tile[row][d] = inside ? k[offset] : 0.0f;
      v_tile[row][d] = inside ? v[offset] : 0.0f;
    }
    __syncthreads();
    const int64_t own = active ? min(static_cast<int64_t>(tile_size), visible - tile_start) : 0;
    const int limit = static_cast<int>(max(own, static_cast<int64_t>(0)));
    for (int j = 0; j < limit; ++j) {
      float score = 0.0f;
      for (int d = 0; d < kTiledHeadDim; ++d)
        score += q_row[d] * k_tile[j][d];
      if (score > running_max) {  // rescale what was accumulated under the old maximum
        const float correction = expf(running_max - score);
        running_sum *= correction;
        for (int d = 0; d < kTiledHeadDim; ++d)
          acc[d] *= correction;
        running_max = score;
      }
      const float weight = expf(score - running_max);
      running_sum += weight;
      for (int d = 0; d < kTiledHeadDim; ++d)
        acc[d] += weight * v_tile[j][d];
    }
  }
  if (active) {
    float* out_row = out + (batch * n_queries + query) * d_model + head * kTiledHeadDim;
    for (int d = 0; d < kTiledHeadDim; ++d)
      out_row[d] = acc[d] / running_sum;
  }
}

}  // namespace

bool TiledAttentionApplies(int64_t n_queries, int64_t d_model, int n_heads) {
  return n_queries >= 16 && d_model / n_heads == kTiledHeadDim;
}

void F32ToF16(const float* in, uint16_t* out, int64_t n, Stream stream) {
  if (n > 0)
    F32ToF16Kernel<<<Blocks(n), kThreads, 0, AsStream(stream)>>>(in, reinterpret_cast<__half*>(out), n);
}

void F32ToBF16(const float* in, uint16_t* out, int64_t n, Stream stream) {
  if (n > 0)
    F32ToBF16Kernel<<<Blocks(n), kThreads, 0, AsStream(stream)>>>(in, reinterpret_cast<__nv_bfloat16*>(out),
                                                                  n);
}

void WidenToF32(const uint16_t* in, bool bf16, float* out, int64_t n, Stream stream) {
  if (n > 0)
    WidenKernel<<<Blocks(n), kThreads, 0, AsStream(stream)>>>(in, bf16, out, n);
}

void BiasEpilogue(float* out, const float* bias, int64_t rows, int64_t n, bool gelu, Stream stream) {
  const int64_t total = rows * n;
  if (total > 0 && (bias != nullptr || gelu))
    BiasEpilogueKernel<<<Blocks(total), kThreads, 0, AsStream(stream)>>>(out, bias, total, n, gelu);
}

void LayerNorm(const float* x,
               const float* gain,
               const float* offset,
               float epsilon,
               int64_t rows,
               int64_t width,
               float* out,
               Stream stream) {
  if (rows > 0)
    LayerNormKernel<<<static_cast<unsigned>(rows), kThreads, 0, AsStream(stream)>>>(x, gain, offset, epsilon,
                                                                                    width, out);
}

void Transpose(
    const float* x, int64_t n_batch, int64_t n_rows, int64_t n_columns, float* out, Stream stream) {
  if (n_batch == 0 || n_rows == 0 || n_columns == 0)
    return;
  const dim3 grid(static_cast<unsigned>((n_columns + 31) / 32), static_cast<unsigned>((n_rows + 31) / 32),
                  static_cast<unsigned>(n_batch));
  TransposeKernel<<<grid, dim3(32, 8), 0, AsStream(stream)>>>(x, n_rows, n_columns, out);
}

void Im2Col3(const float* x,
             int64_t n_in_frames,
             int64_t n_channels,
             int stride,
             int64_t n_out_frames,
             float* columns,
             Stream stream) {
  const int64_t total = n_out_frames * n_channels * 3;
  if (total > 0)
    Im2Col3Kernel<<<Blocks(total), kThreads, 0, AsStream(stream)>>>(x, n_in_frames, n_channels, stride,
                                                                    n_out_frames, columns);
}

void AddPositional(const float* table,
                   const int32_t* first_positions,
                   int64_t n_batch,
                   int64_t n_frames,
                   int64_t width,
                   float* x,
                   Stream stream) {
  const int64_t total = n_batch * n_frames * width;
  if (total > 0)
    AddPositionalKernel<<<Blocks(total), kThreads, 0, AsStream(stream)>>>(table, first_positions, n_frames,
                                                                          width, total, x);
}

void EmbedTokens(const int32_t* tokens,
                 const void* table,
                 int dtype,
                 int64_t n_tokens,
                 int64_t width,
                 float* out,
                 Stream stream) {
  const int64_t total = n_tokens * width;
  if (total > 0)
    EmbedKernel<<<Blocks(total), kThreads, 0, AsStream(stream)>>>(tokens, table, dtype, width, total, out);
}

void Attention(const float* q,
               const float* k,
               const float* v,
               int64_t n_batch,
               int64_t n_queries,
               int64_t n_keys,
               int64_t d_model,
               int n_heads,
               const int32_t* past_lengths,
               float* out,
               Stream stream,
               bool tiled) {
  const int64_t n_rows = n_batch * n_heads * n_queries;
  if (n_rows == 0)
    return;
  const float scale = 1.0f / sqrtf(static_cast<float>(d_model / n_heads));
  if (tiled && TiledAttentionApplies(n_queries, d_model, n_heads)) {
    const dim3 grid(static_cast<unsigned>((n_queries + kTileQueries - 1) / kTileQueries),
                    static_cast<unsigned>(n_heads), static_cast<unsigned>(n_batch));
    TiledAttentionKernel<<<grid, kTileQueries, 0, AsStream(stream)>>>(q, k, v, n_queries, n_keys, d_model,
                                                                      past_lengths, scale, out);
    return;
  }
  AttentionKernel<<<Blocks(n_rows * kWarp), kThreads, 0, AsStream(stream)>>>(
      q, k, v, n_queries, n_keys, d_model, n_heads, past_lengths, scale, n_rows, out);
}

}  // namespace verbatim::cuda_kernels
