#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <type_traits>

#include "backend/cuda/cuda_kernels.h"
#include "backend/cuda/device_elements.cuh"

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

__device__ float WarpSum(float value) {
  for (int offset = kWarp / 2; offset > 0; offset /= 2)
    value += __shfl_xor_sync(0xffffffffu, value, offset);
  return value;
}

__device__ float WarpMax(float value) {
  for (int offset = kWarp / 2; offset > 0; offset /= 2)
    value = fmaxf(value, __shfl_xor_sync(0xffffffffu, value, offset));
  return value;
}

/**
 * A reduction over the block (blockDim.x a multiple of 32, ≤ 1024) by `warp_reduce` (WarpSum, WarpMax), whose
 * identity is `identity`; every thread gets the result. `scratch` holds a float a warp.
 */
template <typename WarpReduce>
__device__ float BlockReduce(float value, float* scratch, WarpReduce warp_reduce, float identity) {
  const int lane = threadIdx.x % kWarp, warp = threadIdx.x / kWarp;
  value = warp_reduce(value);
  __syncthreads();  // scratch may still be read from a previous call
  if (lane == 0)
    scratch[warp] = value;
  __syncthreads();
  const int n_warps = blockDim.x / kWarp;
  value = lane < n_warps ? scratch[lane] : identity;
  return warp_reduce(value);
}

__device__ float BlockSum(float value, float* scratch) {
  return BlockReduce(
      value, scratch, [](float x) { return WarpSum(x); }, 0.0f);
}

__device__ float BlockMax(float value, float* scratch) {
  return BlockReduce(
      value, scratch, [](float x) { return WarpMax(x); }, -INFINITY);
}

/**
 * A block a row of scores: max, sum of exponentials, then out = exp(score − max) / sum. Each thread reads its
 * scores again for the last pass instead of keeping them: `out` may be `scores`, and every read of the sum's
 * pass is done once the block has passed the reduction's barriers.
 */
template <typename Out>
__global__ void SoftmaxRowsKernel(const float* scores, Out* out, int64_t n) {
  __shared__ float scratch[kThreads / kWarp];
  const float* row = scores + blockIdx.x * n;
  Out* out_row = out + blockIdx.x * n;
  float most = -INFINITY;
  for (int64_t i = threadIdx.x; i < n; i += kThreads)
    most = fmaxf(most, row[i]);
  most = BlockMax(most, scratch);
  float sum = 0.0f;
  for (int64_t i = threadIdx.x; i < n; i += kThreads)
    sum += expf(row[i] - most);
  const float scale = 1.0f / BlockSum(sum, scratch);
  for (int64_t i = threadIdx.x; i < n; i += kThreads)
    out_row[i] = StoredAs<Out>(expf(row[i] - most) * scale);
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

template <typename Out>
__global__ void BiasEpilogueKernel(Out* out, const float* bias, int64_t total, int64_t n, bool gelu) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i >= total)
    return;
  float value = AsFloat(out[i]) + (bias != nullptr ? bias[i % n] : 0.0f);
  out[i] = StoredAs<Out>(gelu ? Gelu(value) : value);
}

constexpr int kHalvesPerVector = 8;  // one 16-byte load
constexpr int kVectorThreads = 128;
constexpr int64_t kMostGridRows = 65535;  // gridDim.y's limit

/**
 * out[r, c] = (gelu)(out[r, c] + bias[c]) for an f16 out [rows, n], n a multiple of 8, out 16-byte aligned:
 * a thread owns 8 columns (one 16-byte load, its 8 biases kept in registers) and walks the rows, so there
 * is no per-element index arithmetic (the MLP's hidden layer is 245 million elements at turbo's batch 32).
 */
__global__ void HalfBiasEpilogueKernel(__half* out, const float* bias, int64_t rows, int64_t n, bool gelu) {
  const int64_t vector = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (vector * kHalvesPerVector >= n)
    return;
  float column_bias[kHalvesPerVector];
  for (int i = 0; i < kHalvesPerVector; ++i)
    column_bias[i] = bias != nullptr ? bias[vector * kHalvesPerVector + i] : 0.0f;
  for (int64_t row = blockIdx.y; row < rows; row += gridDim.y) {
    uint4* address = reinterpret_cast<uint4*>(out + row * n) + vector;
    uint4 bits = *address;
    __half2* pairs = reinterpret_cast<__half2*>(&bits);
    for (int i = 0; i < kHalvesPerVector / 2; ++i) {
      float2 value = __half22float2(pairs[i]);
      value.x += column_bias[2 * i];
      value.y += column_bias[2 * i + 1];
      pairs[i] = gelu ? __floats2half2_rn(Gelu(value.x), Gelu(value.y)) : __float22half2_rn(value);
    }
    *address = bits;
  }
}

/** Whether HalfBiasEpilogueKernel takes an out of `n` columns at `out`. */
bool HalfVectorsFit(const void* out, int64_t n) {
  return n % kHalvesPerVector == 0 && reinterpret_cast<uintptr_t>(out) % sizeof(uint4) == 0;
}

template <typename Out>
__global__ void LayerNormKernel(
    const float* x, const float* gain, const float* offset, float epsilon, int64_t width, Out* out) {
  __shared__ float scratch[kWarp];
  const float* row = x + blockIdx.x * width;
  Out* out_row = out + blockIdx.x * width;
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
    out_row[i] = StoredAs<Out>((row[i] - mean) * inv_std * gain[i] + offset[i]);
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

template <typename Column>
__global__ void Im2Col3Kernel(const float* x,
                              int64_t n_in_frames,
                              int64_t n_channels,
                              int stride,
                              int64_t n_out_frames,
                              Column* columns) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  const int64_t patch = n_channels * 3;
  if (i >= n_out_frames * patch)
    return;
  const int64_t frame = i / patch, within = i % patch;
  const int64_t channel = within / 3, tap = within % 3;
  const int64_t source = frame * stride + tap - 1;
  columns[i] =
      StoredAs<Column>(source >= 0 && source < n_in_frames ? x[source * n_channels + channel] : 0.0f);
}

__global__ void AddPositionalKernel(const float* table,
                                    const __grid_constant__ IntArray first_positions,
                                    int64_t n_frames,
                                    int64_t width,
                                    int64_t total,
                                    float* x) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i >= total)
    return;
  const int64_t row = i / width, column = i % width;
  const int64_t batch = row / n_frames;
  const int64_t position = At(first_positions, batch) + row % n_frames;
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

template <typename KV>
__global__ void AttentionKernel(const float* q,
                                const KV* k,
                                const KV* v,
                                int64_t n_queries,
                                int64_t n_keys,
                                int64_t d_model,
                                int n_heads,
                                const __grid_constant__ IntArray past_lengths,
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
  const int64_t visible = past_lengths.present ? At(past_lengths, batch) + query + 1 : n_keys;
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
    const KV* k_row = k + (batch * n_keys + key) * d_model + head * head_dim;
    const KV* v_row = v + (batch * n_keys + key) * d_model + head * head_dim;
    float score = 0.0f;
    for (int i = 0; i < kMaxHeadDimPerLane; ++i) {
      const int64_t d = lane + kWarp * i;
      if (d < head_dim)
        score += q_part[i] * AsFloat(k_row[d]);
    }
    score = WarpSum(score);
    const float new_max = fmaxf(running_max, score);
    const float correction = expf(running_max - new_max);
    const float weight = expf(score - new_max);
    running_sum = running_sum * correction + weight;
    for (int i = 0; i < kMaxHeadDimPerLane; ++i) {
      const int64_t d = lane + kWarp * i;
      acc[i] = acc[i] * correction + (d < head_dim ? weight * AsFloat(v_row[d]) : 0.0f);
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

constexpr int kSplitHeadDim = 64;       // the split kernel's head width (every Whisper model's)
constexpr int kSplitWarpsPerBlock = 4;  // warps of a split-attention block, each on its own share of keys
constexpr int kSplitPartialFloats = kSplitHeadDim + 2;  // a share's result: running max, sum, 64 outputs
constexpr int64_t kSplitTargetWarps = 8192;  // enough warps to fill an H100 (132 SMs × 64) with room

/** Shares of the keys per (sequence, head, query) row: enough warps to fill the GPU, at least 64 keys each.
 */
int64_t SplitCount(int64_t n_rows, int64_t n_keys) {
  const int64_t wanted = (kSplitTargetWarps + n_rows - 1) / n_rows;
  const int64_t most = (n_keys + 63) / 64;
  return std::max<int64_t>(1, std::min(wanted, most));
}

/** Whether the split kernel reads values in pairs of dimensions (f16: one __half2 a lane and key). */
template <typename KV>
constexpr bool kPairedValues = std::is_same<KV, __half>::value;

/** q_row · key for one 64-wide f32 key row, read as float4. */
__device__ float ScoreKey(const float (&q_row)[kSplitHeadDim], const float* key) {
  const float4* k4 = reinterpret_cast<const float4*>(key);
  float score = 0.0f;
  for (int i = 0; i < kSplitHeadDim / 4; ++i) {
    const float4 part = k4[i];
    score += q_row[4 * i] * part.x + q_row[4 * i + 1] * part.y + q_row[4 * i + 2] * part.z +
             q_row[4 * i + 3] * part.w;
  }
  return score;
}

/** q_row · key for one 64-wide f16 key row, read 8 halves (16 B) at a time and widened in pairs. */
__device__ float ScoreKey(const float (&q_row)[kSplitHeadDim], const __half* key) {
  constexpr int kHalvesPerLoad = 8;
  const uint4* k8 = reinterpret_cast<const uint4*>(key);
  float score = 0.0f;
  for (int i = 0; i < kSplitHeadDim / kHalvesPerLoad; ++i) {
    const uint4 bits = k8[i];
    const float2 a = __half22float2(*reinterpret_cast<const __half2*>(&bits.x));
    const float2 b = __half22float2(*reinterpret_cast<const __half2*>(&bits.y));
    const float2 c = __half22float2(*reinterpret_cast<const __half2*>(&bits.z));
    const float2 d = __half22float2(*reinterpret_cast<const __half2*>(&bits.w));
    const float* q = q_row + kHalvesPerLoad * i;
    score += q[0] * a.x + q[1] * a.y + q[2] * b.x + q[3] * b.y;
    score += q[4] * c.x + q[5] * c.y + q[6] * d.x + q[7] * d.y;
  }
  return score;
}

/**
 * One warp, one share of the keys of one (sequence, head, query) row. Each lane scores its own key of a
 * 32-key chunk (a whole 64-float dot product, q held in registers), so the softmax bookkeeping runs once a
 * chunk rather than once a key; the weighted values are then summed with lanes splitting the 64 dimensions
 * (lane l: l and l + 32), each key's weight broadcast from the lane that scored it.
 */
template <typename KV>
__global__ void SplitAttentionKernel(const float* q,
                                     const KV* k,
                                     const KV* v,
                                     int64_t n_queries,
                                     int64_t n_keys,
                                     int64_t d_model,
                                     int n_heads,
                                     const __grid_constant__ IntArray past_lengths,
                                     float scale,
                                     int64_t n_splits,
                                     int64_t keys_per_split,
                                     float* partials) {
  const int64_t split = static_cast<int64_t>(blockIdx.x) * kSplitWarpsPerBlock + threadIdx.x / kWarp;
  const int lane = threadIdx.x % kWarp;
  if (split >= n_splits)
    return;
  const int64_t row = blockIdx.y;  // (batch · n_heads + head) · n_queries + query
  const int64_t query = row % n_queries, head = (row / n_queries) % n_heads,
                batch = row / (n_queries * n_heads);
  const int64_t visible = past_lengths.present ? At(past_lengths, batch) + query + 1 : n_keys;
  const int64_t begin = split * keys_per_split, end = min(begin + keys_per_split, visible);

  float q_row[kSplitHeadDim];
  const float4* q4 =
      reinterpret_cast<const float4*>(q + (batch * n_queries + query) * d_model + head * kSplitHeadDim);
  for (int i = 0; i < kSplitHeadDim / 4; ++i) {
    const float4 part = q4[i];
    q_row[4 * i] = part.x * scale;
    q_row[4 * i + 1] = part.y * scale;
    q_row[4 * i + 2] = part.z * scale;
    q_row[4 * i + 3] = part.w * scale;
  }
  const KV* k_base = k + batch * n_keys * d_model + head * kSplitHeadDim;
  const KV* v_base = v + batch * n_keys * d_model + head * kSplitHeadDim;
  float running_max = -INFINITY, running_sum = 0.0f, acc_low = 0.0f, acc_high = 0.0f;
  for (int64_t chunk = begin; chunk < end; chunk += kWarp) {
    const int64_t key = chunk + lane;
    const float score = key < end ? ScoreKey(q_row, k_base + key * d_model) : -INFINITY;
    const float new_max = fmaxf(running_max, WarpMax(score));  // finite: the chunk has at least one key
    const float weight = key < end ? expf(score - new_max) : 0.0f;
    const float correction = expf(running_max - new_max);  // 0 on the first chunk (max was −∞)
    running_sum = running_sum * correction + WarpSum(weight);
    acc_low *= correction;
    acc_high *= correction;
    const int in_chunk = static_cast<int>(min(static_cast<int64_t>(kWarp), end - chunk));
    if constexpr (kPairedValues<KV>) {
      // f16 values: lane l owns dimensions 2l and 2l + 1, so each key's 64 values are one coalesced 128-byte
      // read of the warp (4 bytes a lane) instead of two 64-byte reads; a full chunk is unrolled so that the
      // loads of several keys are in flight at once. Each dimension sums the same terms in the same order.
      const __half2* v_pairs = reinterpret_cast<const __half2*>(v_base + chunk * d_model) + lane;
      const int64_t pair_stride = d_model / 2;
      const auto add_key = [&](int j) {
        const float w = __shfl_sync(0xffffffffu, weight, j);
        const float2 value = __half22float2(v_pairs[j * pair_stride]);
        acc_low += w * value.x;
        acc_high += w * value.y;
      };
      if (in_chunk == kWarp) {
#pragma unroll 8
        for (int j = 0; j < kWarp; ++j)
          add_key(j);
      } else {
        for (int j = 0; j < in_chunk; ++j)
          add_key(j);
      }
    } else {
      for (int j = 0; j < in_chunk; ++j) {
        const float w = __shfl_sync(0xffffffffu, weight, j);
        const KV* v_row = v_base + (chunk + j) * d_model;
        acc_low += w * AsFloat(v_row[lane]);
        acc_high += w * AsFloat(v_row[lane + kWarp]);
      }
    }
    running_max = new_max;
  }
  float* partial = partials + (row * n_splits + split) * kSplitPartialFloats;
  if (lane == 0) {
    partial[0] = running_max;  // −∞ with a sum of 0 for a share past the visible keys
    partial[1] = running_sum;
  }
  // The partial's 64 outputs are in dimension order whichever lanes own which dimensions.
  if constexpr (kPairedValues<KV>) {
    partial[2 + 2 * lane] = acc_low;
    partial[3 + 2 * lane] = acc_high;
  } else {
    partial[2 + lane] = acc_low;
    partial[2 + kWarp + lane] = acc_high;
  }
}

/** Merges a row's shares: out = Σ acc_s · e^(m_s − M) / Σ l_s · e^(m_s − M), M the largest running max. */
__global__ void MergeSplitsKernel(const float* partials,
                                  int64_t n_rows,
                                  int64_t n_splits,
                                  int64_t n_queries,
                                  int64_t d_model,
                                  int n_heads,
                                  float* out) {
  const int64_t row = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) / kWarp;
  const int lane = threadIdx.x % kWarp;
  if (row >= n_rows)
    return;
  const float* first = partials + row * n_splits * kSplitPartialFloats;
  float overall_max = -INFINITY;
  for (int64_t s = lane; s < n_splits; s += kWarp)
    overall_max = fmaxf(overall_max, first[s * kSplitPartialFloats]);
  overall_max = WarpMax(overall_max);
  float sum = 0.0f, low = 0.0f, high = 0.0f;
  for (int64_t s = 0; s < n_splits; ++s) {
    const float* partial = first + s * kSplitPartialFloats;
    const float share_max = partial[0];
    const float factor = share_max == -INFINITY ? 0.0f : expf(share_max - overall_max);
    sum += partial[1] * factor;
    low += partial[2 + lane] * factor;
    high += partial[2 + kWarp + lane] * factor;
  }
  const int64_t query = row % n_queries, head = (row / n_queries) % n_heads,
                batch = row / (n_queries * n_heads);
  float* out_row = out + (batch * n_queries + query) * d_model + head * kSplitHeadDim;
  out_row[lane] = low / sum;
  out_row[lane + kWarp] = high / sum;
}

// The decode kernel (f16 keys and values): a block per (sequence, head, group of queries, share of the keys).
// Eight lanes read one key's 64 halves as 16 bytes each, so a warp load covers 4 whole 128-byte rows, and a
// lane issues kDecodeSteps key and kDecodeSteps value loads before it uses any, enough bytes in flight to
// keep HBM busy. The 4 keys of a load have softmax states of their own (one per 8-lane subgroup), merged
// when the warp is done; the warps of a block, then the shares, are merged in a fixed order.
constexpr int kDecodeLanesPerKey = 8;  // 8 lanes × 8 halves = a 64-wide row
constexpr int kDecodeKeysPerLoad = kWarp / kDecodeLanesPerKey;
constexpr int kDecodeSteps = 8;  // loads of a tile before any use: 8 K + 8 V, 16 B each, per lane
constexpr int kDecodeTileKeys = kDecodeKeysPerLoad * kDecodeSteps;  // a warp's keys per tile
constexpr int kDecodeWarps = 4;
constexpr int kDecodeMostQueriesPerBlock = 4;
// Blocks enough to keep HBM busy: 2 an SM (132 SMs on an H100 or H200) have 8 warps × 8 KB in flight
// there, about 3 times what Little's law asks for at 4.8 TB/s. A shape with fewer (sequence, head, query
// group) units splits its keys into shares to have about as many blocks; one with more (a decoder batch of
// 8 or more at large-v3's 20 heads) reads each head's keys in one block, and no merge kernel runs.
constexpr int64_t kDecodeTargetBlocks = 264;
constexpr int64_t kDecodeMinKeysPerSplit = 128;
// Blocks an SM at the most registers that hold each variant without spilling (96, 128, 168 registers a
// thread): with one query, a batch of 640 units (turbo's 32 sequences × 20 heads) runs in one wave.
template <int kQueries>
constexpr int kDecodeMinBlocksPerSM = kQueries == 1   ? 5
                                      : kQueries == 2 ? 4
                                                      : 3;
// log2(e): the kernel scores in base 2 (exp2f is one instruction), partials keep the max in that base.
constexpr float kLog2E = 1.4426950408889634f;

/** The queries one decode block takes: 1, 2 or 4 (more queries are split over blocks of 4). */
int DecodeQueriesPerBlock(int64_t n_queries) {
  return n_queries == 1 ? 1 : n_queries == 2 ? 2 : kDecodeMostQueriesPerBlock;
}

/** How the decode kernel divides a shape: query groups and shares of the keys. */
struct DecodeLayout {
  int queries_per_block;
  int64_t n_groups, n_splits, keys_per_split;
};

DecodeLayout DecodeLayoutOf(const AttentionShape& shape) {
  DecodeLayout layout;
  layout.queries_per_block = DecodeQueriesPerBlock(shape.n_queries);
  layout.n_groups = (shape.n_queries + layout.queries_per_block - 1) / layout.queries_per_block;
  const int64_t n_units = shape.n_batch * shape.n_heads * layout.n_groups;
  const int64_t most = std::max<int64_t>(1, shape.n_keys / kDecodeMinKeysPerSplit);
  const int64_t wanted =
      std::max<int64_t>(1, std::min(kDecodeTargetBlocks / std::max<int64_t>(1, n_units), most));
  // Shares of whole tiles, and no share left empty by the rounding (one, of no keys, when there are none).
  const int64_t tiles = std::max<int64_t>(1, (shape.n_keys + kDecodeTileKeys - 1) / kDecodeTileKeys);
  layout.keys_per_split = (tiles + wanted - 1) / wanted * kDecodeTileKeys;
  layout.n_splits = std::max<int64_t>(1, (shape.n_keys + layout.keys_per_split - 1) / layout.keys_per_split);
  return layout;
}

/** 8 halves widened. */
__device__ void WidenHalves(const uint4& bits, float (&out)[8]) {
  const __half2* pairs = reinterpret_cast<const __half2*>(&bits);
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const float2 pair = __half22float2(pairs[i]);
    out[2 * i] = pair.x;
    out[2 * i + 1] = pair.y;
  }
}

/** The factor that takes a softmax state of max `m` to the shared max `base`: 0 for a state with no keys. */
__device__ float Rescale(float m, float base) {
  return exp2f(m - base);  // m = −∞ (no keys yet): 0
}

/** A finite reference for exp2f(x − base): a max still −∞ (no keys at all) becomes 0, so no −∞ − (−∞). */
__device__ float FiniteBase(float m) {
  return m == -INFINITY ? 0.0f : m;
}

template <int kQueries>
__global__ void __launch_bounds__(kDecodeWarps* kWarp, kDecodeMinBlocksPerSM<kQueries>)
    DecodeAttentionKernel(const float* __restrict__ q,
                          const __half* __restrict__ k,
                          const __half* __restrict__ v,
                          int n_queries,
                          int n_keys,
                          int d_model,
                          int n_heads,
                          const __grid_constant__ IntArray past_lengths,
                          float scale_log2,
                          int n_groups,
                          int n_splits,
                          int keys_per_split,
                          float* __restrict__ partials,
                          float* __restrict__ out) {
  __shared__ float warp_max[kDecodeWarps][kQueries], warp_sum[kDecodeWarps][kQueries];
  __shared__ float warp_acc[kDecodeWarps][kQueries][kSplitHeadDim];
  // Groups of one (sequence, head) sit side by side, so blocks that read the same keys run together.
  int unit = blockIdx.x;
  const int group = unit % n_groups;
  unit /= n_groups;
  const int head = unit % n_heads;
  unit /= n_heads;
  const int split = unit % n_splits, batch = unit / n_splits;
  const int warp = threadIdx.x / kWarp, lane = threadIdx.x % kWarp;
  const int part = lane % kDecodeLanesPerKey, subgroup = lane / kDecodeLanesPerKey;
  const int first_query = group * kQueries;
  const int n_active = min(kQueries, n_queries - first_query);
  const int past = At(past_lengths, batch);
  const int begin = split * keys_per_split;
  // Query j sees keys [begin, limit[j]): its causal prefix, within this share.
  int limit[kQueries];
  int end = begin;
#pragma unroll
  for (int j = 0; j < kQueries; ++j) {
    const int visible = past_lengths.present ? min(past + first_query + j + 1, n_keys) : n_keys;
    limit[j] = j < n_active ? min(begin + keys_per_split, visible) : begin;
    end = max(end, limit[j]);
  }

  float q_part[kQueries][kDecodeLanesPerKey];
#pragma unroll
  for (int j = 0; j < kQueries; ++j) {
    const int query = first_query + min(j, n_active - 1);  // an idle slot repeats a real query's load
    const float4* q4 =
        reinterpret_cast<const float4*>(q + (static_cast<int64_t>(batch) * n_queries + query) * d_model +
                                        head * kSplitHeadDim + part * kDecodeLanesPerKey);
    const float4 low = q4[0], high = q4[1];
    const float values[kDecodeLanesPerKey] = {low.x, low.y, low.z, low.w, high.x, high.y, high.z, high.w};
#pragma unroll
    for (int i = 0; i < kDecodeLanesPerKey; ++i)
      q_part[j][i] = values[i] * scale_log2;
  }
  const int64_t head_offset =
      static_cast<int64_t>(batch) * n_keys * d_model + head * kSplitHeadDim + part * kDecodeLanesPerKey;
  const __half* k_lane = k + head_offset;
  const __half* v_lane = v + head_offset;

  float running_max[kQueries], running_sum[kQueries], acc[kQueries][kDecodeLanesPerKey];
#pragma unroll
  for (int j = 0; j < kQueries; ++j) {
    running_max[j] = -INFINITY;
    running_sum[j] = 0.0f;
#pragma unroll
    for (int i = 0; i < kDecodeLanesPerKey; ++i)
      acc[j][i] = 0.0f;
  }

  for (int tile = begin + warp * kDecodeTileKeys; tile < end; tile += kDecodeWarps * kDecodeTileKeys) {
    // Every load of the tile first, without branches: a key past `end` reads key end − 1 again (a cache
    // row past the lengths may hold anything, even NaN) and gets a weight of exactly 0 below.
    uint4 k_bits[kDecodeSteps], v_bits[kDecodeSteps];
#pragma unroll
    for (int t = 0; t < kDecodeSteps; ++t) {
      const int64_t key = min(tile + t * kDecodeKeysPerLoad + subgroup, end - 1);
      k_bits[t] = *reinterpret_cast<const uint4*>(k_lane + key * d_model);
      v_bits[t] = *reinterpret_cast<const uint4*>(v_lane + key * d_model);
    }
    // Scores, base 2: each key widened once for all the queries, the 8 lanes' partial dot products summed.
    float score[kQueries][kDecodeSteps];
#pragma unroll
    for (int t = 0; t < kDecodeSteps; ++t) {
      float key_part[kDecodeLanesPerKey];
      WidenHalves(k_bits[t], key_part);
#pragma unroll
      for (int j = 0; j < kQueries; ++j) {
        float dot = 0.0f;
#pragma unroll
        for (int i = 0; i < kDecodeLanesPerKey; ++i)
          dot += q_part[j][i] * key_part[i];
        score[j][t] = dot;
      }
    }
#pragma unroll
    for (int j = 0; j < kQueries; ++j) {
#pragma unroll
      for (int t = 0; t < kDecodeSteps; ++t) {
        float dot = score[j][t];
        for (int offset = 1; offset < kDecodeLanesPerKey; offset *= 2)
          dot += __shfl_xor_sync(0xffffffffu, dot, offset);
        score[j][t] = tile + t * kDecodeKeysPerLoad + subgroup < limit[j] ? dot : -INFINITY;
      }
    }
    // Online softmax per query and subgroup: the scores become weights relative to the new running max.
#pragma unroll
    for (int j = 0; j < kQueries; ++j) {
      float tile_max = running_max[j];
#pragma unroll
      for (int t = 0; t < kDecodeSteps; ++t)
        tile_max = fmaxf(tile_max, score[j][t]);
      const float base = FiniteBase(tile_max);
      const float correction = Rescale(running_max[j], base);
      float weights = 0.0f;
#pragma unroll
      for (int t = 0; t < kDecodeSteps; ++t) {
        score[j][t] = exp2f(score[j][t] - base);
        weights += score[j][t];
      }
      running_sum[j] = running_sum[j] * correction + weights;
      running_max[j] = tile_max;
#pragma unroll
      for (int i = 0; i < kDecodeLanesPerKey; ++i)
        acc[j][i] *= correction;
    }
#pragma unroll
    for (int t = 0; t < kDecodeSteps; ++t) {
      float value[kDecodeLanesPerKey];
      WidenHalves(v_bits[t], value);
#pragma unroll
      for (int j = 0; j < kQueries; ++j) {
#pragma unroll
        for (int i = 0; i < kDecodeLanesPerKey; ++i)
          acc[j][i] += score[j][t] * value[i];
      }
    }
  }

  // The warp's 4 subgroups merged (lanes 8 and 16 apart), then lanes 0–7 hold the warp's 64 outputs.
#pragma unroll
  for (int j = 0; j < kQueries; ++j) {
    for (int offset = kDecodeLanesPerKey; offset < kWarp; offset *= 2) {
      const float other_max = __shfl_xor_sync(0xffffffffu, running_max[j], offset);
      const float other_sum = __shfl_xor_sync(0xffffffffu, running_sum[j], offset);
      const float merged_max = fmaxf(running_max[j], other_max);
      const float base = FiniteBase(merged_max);
      const float mine = Rescale(running_max[j], base), theirs = Rescale(other_max, base);
      running_sum[j] = running_sum[j] * mine + other_sum * theirs;
#pragma unroll
      for (int i = 0; i < kDecodeLanesPerKey; ++i) {
        const float other = __shfl_xor_sync(0xffffffffu, acc[j][i], offset);
        acc[j][i] = acc[j][i] * mine + other * theirs;
      }
      running_max[j] = merged_max;
    }
    if (lane < kDecodeLanesPerKey) {
#pragma unroll
      for (int i = 0; i < kDecodeLanesPerKey; ++i)
        warp_acc[warp][j][part * kDecodeLanesPerKey + i] = acc[j][i];
      if (lane == 0) {
        warp_max[warp][j] = running_max[j];
        warp_sum[warp][j] = running_sum[j];
      }
    }
  }
  __syncthreads();

  // The block's warps merged in warp order, a thread per (query, dimension).
  for (int index = threadIdx.x; index < n_active * kSplitHeadDim; index += blockDim.x) {
    const int j = index / kSplitHeadDim, dim = index % kSplitHeadDim;
    float block_max = -INFINITY;
    for (int w = 0; w < kDecodeWarps; ++w)
      block_max = fmaxf(block_max, warp_max[w][j]);
    const float base = FiniteBase(block_max);
    float sum = 0.0f, value = 0.0f;
    for (int w = 0; w < kDecodeWarps; ++w) {
      const float factor = Rescale(warp_max[w][j], base);
      sum += warp_sum[w][j] * factor;
      value += warp_acc[w][j][dim] * factor;
    }
    const int query = first_query + j;
    if (n_splits == 1) {
      // The share is every visible key (at least the query's own): the result itself.
      out[(static_cast<int64_t>(batch) * n_queries + query) * d_model + head * kSplitHeadDim + dim] =
          value / sum;
    } else {
      // The old kernel's partial layout (max, sum, 64 outputs), with the max in base 2.
      const int64_t row = (static_cast<int64_t>(batch) * n_heads + head) * n_queries + query;
      float* partial = partials + (row * n_splits + split) * kSplitPartialFloats;
      if (dim == 0) {
        partial[0] = block_max;  // −∞ with a sum of 0 for a share past the visible keys
        partial[1] = sum;
      }
      partial[2 + dim] = value;
    }
  }
}

/**
 * Merges the decode kernel's shares, a thread per output element: out = Σ acc_s · 2^(m_s − M) / Σ l_s ·
 * 2^(m_s − M), M the largest max, the shares summed in order.
 */
__global__ void MergeDecodeSplitsKernel(const float* __restrict__ partials,
                                        int64_t n_rows,
                                        int n_splits,
                                        int n_queries,
                                        int d_model,
                                        int n_heads,
                                        float* __restrict__ out) {
  const int64_t index = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (index >= n_rows * kSplitHeadDim)
    return;
  const int64_t row = index / kSplitHeadDim;
  const int dim = static_cast<int>(index % kSplitHeadDim);
  const float* first = partials + row * n_splits * kSplitPartialFloats;
  float overall_max = -INFINITY;
  for (int s = 0; s < n_splits; ++s)
    overall_max = fmaxf(overall_max, first[s * kSplitPartialFloats]);
  float sum = 0.0f, value = 0.0f;
  for (int s = 0; s < n_splits; ++s) {
    const float* partial = first + s * kSplitPartialFloats;
    const float factor = Rescale(partial[0], overall_max);  // overall_max is finite: key 0 is in share 0
    sum += partial[1] * factor;
    value += partial[2 + dim] * factor;
  }
  const int64_t query = row % n_queries, head = (row / n_queries) % n_heads,
                batch = row / (static_cast<int64_t>(n_queries) * n_heads);
  out[(batch * n_queries + query) * d_model + head * kSplitHeadDim + dim] = value / sum;
}

/** One thread per element of the copied rows of every sequence. */
template <typename Source, typename Destination>
__global__ void CopyRowsKernel(const Source* src,
                               int64_t src_rows_per_batch,
                               const __grid_constant__ IntArray src_first,
                               Destination* dst,
                               int64_t dst_rows_per_batch,
                               const __grid_constant__ IntArray dst_first,
                               int64_t n_rows,
                               int64_t width,
                               int64_t total) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i >= total)
    return;
  const int64_t per_batch = n_rows * width;
  const int64_t batch = i / per_batch, within = i % per_batch;
  const int64_t row = within / width, column = within % width;
  const int64_t from = (batch * src_rows_per_batch + At(src_first, batch) + row) * width + column;
  const int64_t to = (batch * dst_rows_per_batch + At(dst_first, batch) + row) * width + column;
  dst[to] = StoredAs<Destination>(AsFloat(src[from]));
}

constexpr int kArgMaxThreads = 256;

/** The better of two candidates: the larger value, on a tie the smaller column (std::max_element's first). */
__device__ void KeepBetter(float& value, int& column, float other_value, int other_column) {
  if (other_value > value || (other_value == value && other_column < column)) {
    value = other_value;
    column = other_column;
  }
}

/**
 * Block (share s, row r): the best of row r's columns [s · per_share, (s + 1) · per_share), into the
 * partials; a row of 51,866 logits is several blocks' work, so that a batch of 16 or 64 rows fills the GPU.
 */
__global__ void ArgMaxSharesKernel(
    const float* x, int64_t n_columns, int64_t per_share, float* best_values, int32_t* best_columns) {
  __shared__ float warp_values[kArgMaxThreads / kWarp];
  __shared__ int warp_columns[kArgMaxThreads / kWarp];
  const int64_t share = blockIdx.x, n_shares = gridDim.x, row_index = blockIdx.y;
  const float* row = x + row_index * n_columns;
  const int64_t begin = share * per_share, end = min(begin + per_share, n_columns);
  float value = -INFINITY;
  int column = static_cast<int>(begin);  // an empty share (never chosen: −∞ loses to any logit)
  for (int64_t c = begin + threadIdx.x; c < end; c += blockDim.x)
    KeepBetter(value, column, row[c], static_cast<int>(c));
  for (int offset = kWarp / 2; offset > 0; offset /= 2) {
    const float other_value = __shfl_xor_sync(0xffffffffu, value, offset);
    const int other_column = __shfl_xor_sync(0xffffffffu, column, offset);
    KeepBetter(value, column, other_value, other_column);
  }
  const int lane = threadIdx.x % kWarp, warp = threadIdx.x / kWarp;
  if (lane == 0) {
    warp_values[warp] = value;
    warp_columns[warp] = column;
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    for (int w = 1; w < kArgMaxThreads / kWarp; ++w)
      KeepBetter(value, column, warp_values[w], warp_columns[w]);
    best_values[row_index * n_shares + share] = value;
    best_columns[row_index * n_shares + share] = column;
  }
}

/** One warp a row: the best of its shares' bests (ties: the smaller column, as within a share). */
__global__ void ArgMaxMergeKernel(
    const float* best_values, const int32_t* best_columns, int64_t n_rows, int64_t n_shares, int32_t* out) {
  const int64_t row = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) / kWarp;
  const int lane = threadIdx.x % kWarp;
  if (row >= n_rows)
    return;
  float value = -INFINITY;
  int column = INT_MAX;
  for (int64_t s = lane; s < n_shares; s += kWarp)
    KeepBetter(value, column, best_values[row * n_shares + s], best_columns[row * n_shares + s]);
  for (int offset = kWarp / 2; offset > 0; offset /= 2) {
    const float other_value = __shfl_xor_sync(0xffffffffu, value, offset);
    const int other_column = __shfl_xor_sync(0xffffffffu, column, offset);
    KeepBetter(value, column, other_value, other_column);
  }
  if (lane == 0)
    out[row] = column;
}

}  // namespace

IntArray InlineInts(const int* host, int64_t n) {
  IntArray array;
  array.present = host != nullptr;
  if (host != nullptr && n <= kInlineInts) {
    for (int64_t i = 0; i < n; ++i)
      array.values[i] = host[i];
  }
  return array;
}

bool SplitAttentionApplies(int64_t n_queries, int64_t d_model, int n_heads) {
  return n_queries < 16 && d_model / n_heads == kSplitHeadDim && d_model % n_heads == 0;
}

int64_t SplitAttentionScratchFloats(const AttentionShape& shape) {
  // Enough for either kernel: VERBATIM_CUDA_DECODE_ATTENTION=old chooses one after the buffer is sized.
  const int64_t n_rows = shape.n_batch * shape.n_heads * shape.n_queries;
  const DecodeLayout layout = DecodeLayoutOf(shape);
  const int64_t decode_splits = layout.n_splits > 1 ? layout.n_splits : 0;  // one share writes out itself
  return n_rows * std::max(SplitCount(n_rows, shape.n_keys), decode_splits) * kSplitPartialFloats;
}

template <int kQueries>
void LaunchDecodeAttention(const AttentionShape& shape,
                           const DecodeLayout& layout,
                           const float* q,
                           const __half* k,
                           const __half* v,
                           const IntArray& past_lengths,
                           float* partials,
                           float* out,
                           cudaStream_t stream) {
  const auto [n_batch, n_queries, n_keys, d_model, n_heads] = shape;
  const int64_t n_blocks = n_batch * n_heads * layout.n_groups * layout.n_splits;
  const float scale_log2 = kLog2E / sqrtf(static_cast<float>(kSplitHeadDim));
  DecodeAttentionKernel<kQueries><<<static_cast<unsigned>(n_blocks), kDecodeWarps * kWarp, 0, stream>>>(
      q, k, v, static_cast<int>(n_queries), static_cast<int>(n_keys), static_cast<int>(d_model), n_heads,
      past_lengths, scale_log2, static_cast<int>(layout.n_groups), static_cast<int>(layout.n_splits),
      static_cast<int>(layout.keys_per_split), partials, out);
  if (layout.n_splits > 1) {
    const int64_t n_rows = n_batch * n_heads * n_queries;
    MergeDecodeSplitsKernel<<<Blocks(n_rows * kSplitHeadDim), kThreads, 0, stream>>>(
        partials, n_rows, static_cast<int>(layout.n_splits), static_cast<int>(n_queries),
        static_cast<int>(d_model), n_heads, out);
  }
}

template <typename KV>
void SplitAttention(const AttentionShape& shape,
                    const float* q,
                    const KV* k,
                    const KV* v,
                    const IntArray& past_lengths,
                    float* partials,
                    float* out,
                    Stream stream,
                    SplitKernel kernel) {
  const auto [n_batch, n_queries, n_keys, d_model, n_heads] = shape;
  const int64_t n_rows = n_batch * n_heads * n_queries;
  if (n_rows == 0)
    return;
  if constexpr (std::is_same<KV, Half>::value) {
    if (kernel == SplitKernel::kDecode) {
      const DecodeLayout layout = DecodeLayoutOf(shape);
      const auto launch = layout.queries_per_block == 1   ? LaunchDecodeAttention<1>
                          : layout.queries_per_block == 2 ? LaunchDecodeAttention<2>
                                                          : LaunchDecodeAttention<kDecodeMostQueriesPerBlock>;
      launch(shape, layout, q, OnDevice(k), OnDevice(v), past_lengths, partials, out, AsStream(stream));
      return;
    }
  }
  const int64_t n_splits = SplitCount(n_rows, n_keys);
  const int64_t keys_per_split = ((n_keys + n_splits - 1) / n_splits + kWarp - 1) / kWarp * kWarp;
  const float scale = 1.0f / sqrtf(static_cast<float>(kSplitHeadDim));
  const dim3 grid(static_cast<unsigned>((n_splits + kSplitWarpsPerBlock - 1) / kSplitWarpsPerBlock),
                  static_cast<unsigned>(n_rows));
  SplitAttentionKernel<<<grid, kSplitWarpsPerBlock * kWarp, 0, AsStream(stream)>>>(
      q, OnDevice(k), OnDevice(v), n_queries, n_keys, d_model, n_heads, past_lengths, scale, n_splits,
      keys_per_split, partials);
  MergeSplitsKernel<<<Blocks(n_rows * kWarp), kThreads, 0, AsStream(stream)>>>(
      partials, n_rows, n_splits, n_queries, d_model, n_heads, out);
}

template <typename Source, typename Destination>
void CopyRows(const Source* src,
              int64_t src_rows_per_batch,
              const IntArray& src_first,
              Destination* dst,
              int64_t dst_rows_per_batch,
              const IntArray& dst_first,
              int64_t n_batch,
              int64_t n_rows,
              int64_t width,
              Stream stream) {
  const int64_t total = n_batch * n_rows * width;
  if (total > 0)
    CopyRowsKernel<<<Blocks(total), kThreads, 0, AsStream(stream)>>>(
        OnDevice(src), src_rows_per_batch, src_first, OnDevice(dst), dst_rows_per_batch, dst_first, n_rows,
        width, total);
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

template <typename Out>
void SoftmaxRows(const float* scores, Out* out, int64_t rows, int64_t n, Stream stream) {
  if (rows > 0 && n > 0)
    SoftmaxRowsKernel<<<static_cast<unsigned>(rows), kThreads, 0, AsStream(stream)>>>(scores, OnDevice(out),
                                                                                      n);
}

template void SoftmaxRows<float>(const float*, float*, int64_t, int64_t, Stream);
template void SoftmaxRows<Half>(const float*, Half*, int64_t, int64_t, Stream);

void WidenToF32(const uint16_t* in, bool bf16, float* out, int64_t n, Stream stream) {
  if (n > 0)
    WidenKernel<<<Blocks(n), kThreads, 0, AsStream(stream)>>>(in, bf16, out, n);
}

template <typename Out>
void BiasEpilogue(Out* out, const float* bias, int64_t rows, int64_t n, bool gelu, Stream stream) {
  const int64_t total = rows * n;
  if (total == 0 || (bias == nullptr && !gelu))
    return;
  if constexpr (std::is_same<Out, Half>::value) {
    if (HalfVectorsFit(out, n)) {
      const dim3 grid(Blocks(n / kHalvesPerVector, kVectorThreads),
                      static_cast<unsigned>(std::min(rows, kMostGridRows)));
      HalfBiasEpilogueKernel<<<grid, kVectorThreads, 0, AsStream(stream)>>>(OnDevice(out), bias, rows, n,
                                                                            gelu);
      return;
    }
  }
  BiasEpilogueKernel<<<Blocks(total), kThreads, 0, AsStream(stream)>>>(OnDevice(out), bias, total, n, gelu);
}

template <typename Out>
void LayerNorm(const float* x,
               const float* gain,
               const float* offset,
               float epsilon,
               int64_t rows,
               int64_t width,
               Out* out,
               Stream stream) {
  if (rows > 0)
    LayerNormKernel<<<static_cast<unsigned>(rows), kThreads, 0, AsStream(stream)>>>(x, gain, offset, epsilon,
                                                                                    width, OnDevice(out));
}

void Transpose(
    const float* x, int64_t n_batch, int64_t n_rows, int64_t n_columns, float* out, Stream stream) {
  if (n_batch == 0 || n_rows == 0 || n_columns == 0)
    return;
  const dim3 grid(static_cast<unsigned>((n_columns + 31) / 32), static_cast<unsigned>((n_rows + 31) / 32),
                  static_cast<unsigned>(n_batch));
  TransposeKernel<<<grid, dim3(32, 8), 0, AsStream(stream)>>>(x, n_rows, n_columns, out);
}

template <typename Column>
void Im2Col3(const float* x,
             int64_t n_in_frames,
             int64_t n_channels,
             int stride,
             int64_t n_out_frames,
             Column* columns,
             Stream stream) {
  const int64_t total = n_out_frames * n_channels * 3;
  if (total > 0)
    Im2Col3Kernel<<<Blocks(total), kThreads, 0, AsStream(stream)>>>(x, n_in_frames, n_channels, stride,
                                                                    n_out_frames, OnDevice(columns));
}

template void Im2Col3<float>(const float*, int64_t, int64_t, int, int64_t, float*, Stream);
template void Im2Col3<Half>(const float*, int64_t, int64_t, int, int64_t, Half*, Stream);

void AddPositional(const float* table,
                   const IntArray& first_positions,
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

template <typename KV>
void Attention(const AttentionShape& shape,
               const float* q,
               const KV* k,
               const KV* v,
               const IntArray& past_lengths,
               float* out,
               Stream stream) {
  const auto [n_batch, n_queries, n_keys, d_model, n_heads] = shape;
  const int64_t n_rows = n_batch * n_heads * n_queries;
  if (n_rows == 0)
    return;
  const float scale = 1.0f / sqrtf(static_cast<float>(d_model / n_heads));
  AttentionKernel<<<Blocks(n_rows * kWarp), kThreads, 0, AsStream(stream)>>>(
      q, OnDevice(k), OnDevice(v), n_queries, n_keys, d_model, n_heads, past_lengths, scale, n_rows, out);
}

namespace {

constexpr int64_t kArgMaxTargetBlocks = 264;   // two blocks an SM of an H100 or H200
constexpr int64_t kArgMaxLeastColumns = 2048;  // a share's columns, at least: 8 a thread

int64_t ArgMaxShares(int64_t n_rows, int64_t n_columns) {
  const int64_t wanted = (kArgMaxTargetBlocks + n_rows - 1) / n_rows;
  const int64_t most = (n_columns + kArgMaxLeastColumns - 1) / kArgMaxLeastColumns;
  return std::max<int64_t>(1, std::min(wanted, most));
}

}  // namespace

std::size_t ArgMaxScratchBytes(int64_t n_rows, int64_t n_columns) {
  return static_cast<std::size_t>(n_rows * ArgMaxShares(n_rows, n_columns)) *
         (sizeof(float) + sizeof(int32_t));
}

void ArgMaxRows(
    const float* x, int64_t n_rows, int64_t n_columns, void* scratch, int32_t* out, Stream stream) {
  if (n_rows == 0)
    return;
  const int64_t n_shares = ArgMaxShares(n_rows, n_columns);
  const int64_t per_share = (n_columns + n_shares - 1) / n_shares;
  float* best_values = static_cast<float*>(scratch);
  int32_t* best_columns = reinterpret_cast<int32_t*>(best_values + n_rows * n_shares);
  const dim3 grid(static_cast<unsigned>(n_shares), static_cast<unsigned>(n_rows));
  ArgMaxSharesKernel<<<grid, kArgMaxThreads, 0, AsStream(stream)>>>(x, n_columns, per_share, best_values,
                                                                    best_columns);
  ArgMaxMergeKernel<<<Blocks(n_rows * kWarp), kThreads, 0, AsStream(stream)>>>(best_values, best_columns,
                                                                               n_rows, n_shares, out);
}

// The element types the backend launches with: f32 activations and caches, f16 (Half) caches and a 16-bit
// model's f16 encoder intermediates; kept compact so that each pair reads side by side.
// clang-format off
template void BiasEpilogue(float*, const float*, int64_t, int64_t, bool, Stream);
template void BiasEpilogue(Half*, const float*, int64_t, int64_t, bool, Stream);
template void LayerNorm(const float*, const float*, const float*, float, int64_t, int64_t, float*, Stream);
template void LayerNorm(const float*, const float*, const float*, float, int64_t, int64_t, Half*, Stream);
template void Attention(const AttentionShape&, const float*, const float*, const float*, const IntArray&, float*,
                        Stream);
template void Attention(const AttentionShape&, const float*, const Half*, const Half*, const IntArray&, float*,
                        Stream);
template void SplitAttention(const AttentionShape&, const float*, const float*, const float*, const IntArray&,
                             float*, float*, Stream, SplitKernel);
template void SplitAttention(const AttentionShape&, const float*, const Half*, const Half*, const IntArray&,
                             float*, float*, Stream, SplitKernel);
template void CopyRows(const float*, int64_t, const IntArray&, float*, int64_t, const IntArray&, int64_t, int64_t,
                       int64_t, Stream);
template void CopyRows(const float*, int64_t, const IntArray&, Half*, int64_t, const IntArray&, int64_t, int64_t,
                       int64_t, Stream);
template void CopyRows(const Half*, int64_t, const IntArray&, Half*, int64_t, const IntArray&, int64_t, int64_t,
                       int64_t, Stream);
// clang-format on

}  // namespace verbatim::cuda_kernels
