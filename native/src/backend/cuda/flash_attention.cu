#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <mma.h>

#include <cmath>
#include <type_traits>

#include "backend/cuda/device_elements.cuh"
#include "backend/cuda/flash_attention.h"

namespace verbatim::cuda_kernels {
namespace {

namespace wmma = nvcuda::wmma;

constexpr int kHeadDim = 64;       // every Whisper model's head width
constexpr int kBlockQueries = 64;  // queries a block
constexpr int kTileKeys = 64;      // keys a shared-memory tile of K and V
constexpr int kFragment = 16;      // WMMA's 16×16×16 f16 shape
constexpr int kWarp = 32;
constexpr int kWarps = kBlockQueries / kFragment;  // 4: a warp owns 16 query rows
constexpr int kThreads = kWarps * kWarp;           // 128
constexpr float kScale = 0.125f;                   // 1/sqrt(64), exact in f16
constexpr unsigned kAllLanes = 0xffffffffu;

// Rows padded by 16 bytes so that neighbouring rows start in different banks. WMMA needs ldm a multiple of
// 8 halves / 4 floats and every fragment pointer 32-byte aligned: a fragment starts 16 rows and a multiple of
// 16 columns into a buffer, 16 · 72 · 2 B = 2304 B and 16 · 68 · 4 B = 4352 B, both multiples of 32.
constexpr int kHalfStride = kHeadDim + 8;   // 72 halves, 144 B
constexpr int kFloatStride = kHeadDim + 4;  // 68 floats, 272 B
static_assert(kTileKeys == kHeadDim, "scores and P·V share one 16×64 f32 buffer a warp");

// Each lane owns half of one of its warp's 16 rows in the elementwise (softmax, rescale) passes: row lane /
// 2, columns 4j + 2·(lane % 2) and the one after, j = 0…15. Read as float2, a half-warp then covers all 32
// banks exactly once (its 8 rows start 4 banks apart: 68 mod 32), and a row's two lanes meet in one shuffle.
constexpr int kPairsPerLane = kHeadDim / 4;  // 16 float2 = 32 columns

using LeftOperand = wmma::fragment<wmma::matrix_a, kFragment, kFragment, kFragment, __half, wmma::row_major>;
using QueryFragment = LeftOperand;   // 16 queries × 16 dims
using WeightFragment = LeftOperand;  // P, 16 queries × 16 keys
using KeyFragment = wmma::fragment<wmma::matrix_b, kFragment, kFragment, kFragment, __half, wmma::col_major>;
using ValueFragment =
    wmma::fragment<wmma::matrix_b, kFragment, kFragment, kFragment, __half, wmma::row_major>;
using Accumulator = wmma::fragment<wmma::accumulator, kFragment, kFragment, kFragment, float>;

/** 45,056 B: under the 48 KiB of static shared memory a block may take without opting in. */
struct SharedTiles {
  // [key][d]: a K tile, and before the first one the block's scaled Q tile (needed only until every warp
  // holds its rows in fragments).
  alignas(32) __half keys[kTileKeys][kHalfStride];
  alignas(32) __half values[kTileKeys][kHalfStride];  // [key][d]
  // Per warp: its 16 rows of scores S, then of P·V, then of the finished output.
  alignas(32) float scores[kWarps][kFragment][kFloatStride];
  alignas(32) __half weights[kWarps][kFragment][kHalfStride];  // per warp: P = exp(S − running max)
};

static_assert(sizeof(SharedTiles) <= 48 * 1024, "static shared memory is limited to 48 KiB");

/** The lane's row within its warp's 16, and the first of its column pairs. */
__device__ int LaneRow(int lane) {
  return lane / 2;
}
__device__ int LaneColumn(int lane, int pair) {
  return 4 * pair + 2 * (lane % 2);
}

/**
 * tile[r][d] = f16(rows[r · row_stride + d] · scale) for the first `n_valid` of 64 rows, 0 after (so padded
 * keys give finite scores and values, and padded queries finite rows). Coalesced: 16 threads read one row's
 * 256 B.
 */
__device__ void StageTile(const float* __restrict__ rows,
                          int64_t row_stride,
                          int n_valid,
                          float scale,
                          __half (*tile)[kHalfStride]) {
  constexpr int kQuads = kHeadDim / 4;  // float4s a row
  for (int i = threadIdx.x; i < kTileKeys * kQuads; i += kThreads) {
    const int row = i / kQuads, column = (i % kQuads) * 4;
    const float4 x = row < n_valid ? *reinterpret_cast<const float4*>(rows + row * row_stride + column)
                                   : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    *reinterpret_cast<__half2*>(&tile[row][column]) = __floats2half2_rn(x.x * scale, x.y * scale);
    *reinterpret_cast<__half2*>(&tile[row][column + 2]) = __floats2half2_rn(x.z * scale, x.w * scale);
  }
}

/**
 * tile[r][d] = rows[r · row_stride + d] for the first `n_valid` of 64 rows, 0 after: f16 K or V rows (a KV
 * cache) copied as they are, 16 B a load.
 */
__device__ void StageTile(const __half* __restrict__ rows,
                          int64_t row_stride,
                          int n_valid,
                          __half (*tile)[kHalfStride]) {
  constexpr int kHalvesPerLoad = 8;
  constexpr int kLoads = kHeadDim / kHalvesPerLoad;  // a row
  for (int i = threadIdx.x; i < kTileKeys * kLoads; i += kThreads) {
    const int row = i / kLoads, column = (i % kLoads) * kHalvesPerLoad;
    *reinterpret_cast<uint4*>(&tile[row][column]) =
        row < n_valid ? *reinterpret_cast<const uint4*>(rows + row * row_stride + column)
                      : make_uint4(0, 0, 0, 0);
  }
}

/** A K or V tile: f32 rows rounded to f16 on the way in, f16 rows copied. */
__device__ void StageKeyValueTile(const float* __restrict__ rows,
                                  int64_t row_stride,
                                  int n_valid,
                                  __half (*tile)[kHalfStride]) {
  StageTile(rows, row_stride, n_valid, 1.0f, tile);
}
__device__ void StageKeyValueTile(const __half* __restrict__ rows,
                                  int64_t row_stride,
                                  int n_valid,
                                  __half (*tile)[kHalfStride]) {
  StageTile(rows, row_stride, n_valid, tile);
}

/** The block's query tile, scaled by 1/sqrt(64): f32 queries rounded to f16 once, f16 ones scaled exactly. */
__device__ void StageQueryTile(const float* __restrict__ rows,
                               int64_t row_stride,
                               int n_valid,
                               __half (*tile)[kHalfStride]) {
  StageTile(rows, row_stride, n_valid, kScale, tile);
}
__device__ void StageQueryTile(const __half* __restrict__ rows,
                               int64_t row_stride,
                               int n_valid,
                               __half (*tile)[kHalfStride]) {
  constexpr int kHalvesPerLoad = 8;
  constexpr int kLoads = kHeadDim / kHalvesPerLoad;  // a row
  // A power of two: exact in f16 (short of subnormals, which are too small to move a softmax).
  const __half2 scale = __float2half2_rn(kScale);
  for (int i = threadIdx.x; i < kBlockQueries * kLoads; i += kThreads) {
    const int row = i / kLoads, column = (i % kLoads) * kHalvesPerLoad;
    uint4 bits = row < n_valid ? *reinterpret_cast<const uint4*>(rows + row * row_stride + column)
                               : make_uint4(0, 0, 0, 0);
    __half2* pairs = reinterpret_cast<__half2*>(&bits);
    for (int j = 0; j < kHalvesPerLoad / 2; ++j)
      pairs[j] = __hmul2(pairs[j], scale);
    *reinterpret_cast<uint4*>(&tile[row][column]) = bits;
  }
}

/** Two neighbouring outputs stored as the output's element: f32 as they are, f16 rounded to nearest. */
__device__ void StorePair(float* out, float2 pair) {
  *reinterpret_cast<float2*>(out) = pair;
}
__device__ void StorePair(__half* out, float2 pair) {
  *reinterpret_cast<__half2*>(out) = __float22half2_rn(pair);
}

/**
 * out[16 × 64] = a[16 × 64] · B[64 × 64], B's 16×16 block (row block i, column block n) loaded as a
 * BFragment from block(i, n) with ldm 72: the warp's four 16×16 output blocks, one after the other.
 */
template <typename BFragment, typename BlockAddress>
__device__ void MultiplyInto(const LeftOperand (&a)[kHeadDim / kFragment],
                             BlockAddress block,
                             float (*out)[kFloatStride]) {
#pragma unroll
  for (int n = 0; n < kHeadDim / kFragment; ++n) {
    Accumulator sum;
    wmma::fill_fragment(sum, 0.0f);
#pragma unroll
    for (int i = 0; i < kHeadDim / kFragment; ++i) {
      BFragment b;
      wmma::load_matrix_sync(b, block(i, n), kHalfStride);
      wmma::mma_sync(sum, a[i], b, sum);
    }
    wmma::store_matrix_sync(&out[0][n * kFragment], sum, kFloatStride, wmma::mem_row_major);
  }
}

/**
 * scores[16 × 64] = Q_w · K_tileᵀ. K is stored [key][d] with stride 72, which read column-major (element
 * (row d, column key) at d + key · 72) is Kᵀ: so Kᵀ's 16×16 block (dims 16i…, keys 16n…) is a col_major
 * matrix_b at &keys[16n][16i].
 */
__device__ void ComputeScores(const QueryFragment (&query)[kHeadDim / kFragment],
                              const __half (*keys)[kHalfStride],
                              float (*scores)[kFloatStride]) {
  MultiplyInto<KeyFragment>(
      query, [&](int i, int n) { return &keys[n * kFragment][i * kFragment]; }, scores);
}

/**
 * One online-softmax step for the lane's half row: folds this tile's scores (keys from `n_valid` on are
 * padding, scored −∞) into the running max and sum, writes P = exp(S − new max) as f16 to `weights`, and
 * returns exp(old max − new max), the factor that rescales what was accumulated under the old max. The sum
 * adds P as rounded to f16, the very weights P·V uses, so the output's weights sum to 1 up to f32 rounding.
 */
__device__ float SoftmaxStep(const float (*scores)[kFloatStride],
                             int n_valid,
                             int lane,
                             float& running_max,
                             float& running_sum,
                             __half (*weights)[kHalfStride]) {
  const int row = LaneRow(lane);
  float2 s[kPairsPerLane];
  float tile_max = -INFINITY;
#pragma unroll
  for (int j = 0; j < kPairsPerLane; ++j) {
    const int column = LaneColumn(lane, j);
    s[j] = *reinterpret_cast<const float2*>(&scores[row][column]);
    s[j].x = column < n_valid ? s[j].x : -INFINITY;
    s[j].y = column + 1 < n_valid ? s[j].y : -INFINITY;
    tile_max = fmaxf(tile_max, fmaxf(s[j].x, s[j].y));
  }
  tile_max = fmaxf(tile_max, __shfl_xor_sync(kAllLanes, tile_max, 1));
  const float new_max = fmaxf(running_max, tile_max);
  // Every tile holds a real key, so new_max is finite; were it −∞, shifting by 0 keeps exp(−∞ − −∞) from
  // becoming NaN: the weights and the correction come out 0.
  const float shift = new_max == -INFINITY ? 0.0f : new_max;
  const float correction = __expf(running_max - shift);
  float tile_sum = 0.0f;
#pragma unroll
  for (int j = 0; j < kPairsPerLane; ++j) {
    const __half2 p = __floats2half2_rn(__expf(s[j].x - shift), __expf(s[j].y - shift));
    *reinterpret_cast<__half2*>(&weights[row][LaneColumn(lane, j)]) = p;
    const float2 rounded = __half22float2(p);
    tile_sum += rounded.x + rounded.y;
  }
  tile_sum += __shfl_xor_sync(kAllLanes, tile_sum, 1);
  running_sum = running_sum * correction + tile_sum;
  running_max = new_max;
  return correction;
}

/**
 * out[16 × 64] = P[16 × 64 keys] · V_tile[64 keys × 64]: both stored row-major, so V's block (keys 16i…,
 * dims 16n…) is a row_major matrix_b at &values[16i][16n].
 */
__device__ void ComputeWeightedValues(const __half (*weights)[kHalfStride],
                                      const __half (*values)[kHalfStride],
                                      float (*out)[kFloatStride]) {
  WeightFragment weight[kTileKeys / kFragment];
#pragma unroll
  for (int i = 0; i < kTileKeys / kFragment; ++i)
    wmma::load_matrix_sync(weight[i], &weights[0][i * kFragment], kHalfStride);
  MultiplyInto<ValueFragment>(
      weight, [&](int i, int n) { return &values[i * kFragment][n * kFragment]; }, out);
}

/**
 * A block takes 64 queries of one (sequence, head): blockIdx.x the query block, y the head, z the sequence.
 * Each warp keeps its 16 query rows as Q fragments and its share of the output accumulator O in registers
 * (in the lane layout above, since a WMMA accumulator's layout is opaque); per 64-key tile it computes S on
 * tensor cores, takes an online-softmax step and adds P·V into O after rescaling O by the step's correction.
 */
template <typename Q, typename KV, typename Out>
__global__ void __launch_bounds__(kThreads) FlashAttentionKernel(const Q* __restrict__ q,
                                                                 const KV* __restrict__ k,
                                                                 const KV* __restrict__ v,
                                                                 int64_t n_queries,
                                                                 int64_t n_keys,
                                                                 int64_t d_model,
                                                                 Out* __restrict__ out) {
  __shared__ SharedTiles tiles;
  const int warp = threadIdx.x / kWarp, lane = threadIdx.x % kWarp;
  const int64_t head = blockIdx.y, batch = blockIdx.z;
  const int64_t first_query = static_cast<int64_t>(blockIdx.x) * kBlockQueries;
  const int64_t head_offset = head * kHeadDim;

  StageQueryTile(q + (batch * n_queries + first_query) * d_model + head_offset, d_model,
                 static_cast<int>(min(static_cast<int64_t>(kBlockQueries), n_queries - first_query)),
                 tiles.keys);
  __syncthreads();
  QueryFragment query[kHeadDim / kFragment];
#pragma unroll
  for (int i = 0; i < kHeadDim / kFragment; ++i)
    wmma::load_matrix_sync(query[i], &tiles.keys[warp * kFragment][i * kFragment], kHalfStride);

  float(*scores)[kFloatStride] = tiles.scores[warp];
  __half(*weights)[kHalfStride] = tiles.weights[warp];
  float accumulated[kPairsPerLane][2] = {};
  float running_max = -INFINITY, running_sum = 0.0f;
  const KV* key_rows = k + batch * n_keys * d_model + head_offset;
  const KV* value_rows = v + batch * n_keys * d_model + head_offset;
  for (int64_t tile_start = 0; tile_start < n_keys; tile_start += kTileKeys) {
    const int n_valid = static_cast<int>(min(static_cast<int64_t>(kTileKeys), n_keys - tile_start));
    __syncthreads();  // every warp is done with the previous tile (or, first, with the Q tile in `keys`)
    StageKeyValueTile(key_rows + tile_start * d_model, d_model, n_valid, tiles.keys);
    StageKeyValueTile(value_rows + tile_start * d_model, d_model, n_valid, tiles.values);
    __syncthreads();

    ComputeScores(query, tiles.keys, scores);
    __syncwarp();
    const float correction = SoftmaxStep(scores, n_valid, lane, running_max, running_sum, weights);
    __syncwarp();  // P is written, and every lane has read its scores before P·V overwrites them
    ComputeWeightedValues(weights, tiles.values, scores);
    __syncwarp();
    const int row = LaneRow(lane);
#pragma unroll
    for (int j = 0; j < kPairsPerLane; ++j) {
      const float2 pv = *reinterpret_cast<const float2*>(&scores[row][LaneColumn(lane, j)]);
      accumulated[j][0] = accumulated[j][0] * correction + pv.x;
      accumulated[j][1] = accumulated[j][1] * correction + pv.y;
    }
  }

  // Normalise into the lane's own elements of `scores` (no other lane reads those), then write whole rows.
  const float inverse_sum = running_sum > 0.0f ? 1.0f / running_sum : 0.0f;  // 0: no keys at all
  const int row = LaneRow(lane);
#pragma unroll
  for (int j = 0; j < kPairsPerLane; ++j)
    *reinterpret_cast<float2*>(&scores[row][LaneColumn(lane, j)]) =
        make_float2(accumulated[j][0] * inverse_sum, accumulated[j][1] * inverse_sum);
  __syncwarp();
  for (int r = 0; r < kFragment; ++r) {
    const int64_t query_index = first_query + warp * kFragment + r;
    if (query_index < n_queries)
      StorePair(out + (batch * n_queries + query_index) * d_model + head_offset + 2 * lane,
                *reinterpret_cast<const float2*>(&scores[r][2 * lane]));
  }
}

}  // namespace

bool FlashAttentionApplies(int64_t n_queries, int64_t d_model, int n_heads, bool causal) {
  return !causal && n_heads > 0 && n_queries >= kFragment && d_model == int64_t{n_heads} * kHeadDim;
}

template <typename Q, typename KV, typename Out>
void FlashAttention(const AttentionShape& shape,
                    const Q* q,
                    const KV* k,
                    const KV* v,
                    Out* out,
                    void* stream,
                    FlashKernel kernel) {
  if constexpr (std::is_same_v<KV, Half>) {
    if (kernel == FlashKernel::kRegisters) {
      RegisterFlashAttention(shape, q, k, v, out, stream);
      return;
    }
  }
  const auto [n_batch, n_queries, n_keys, d_model, n_heads] = shape;
  if (n_batch == 0 || n_queries == 0 || n_heads == 0)
    return;
  const dim3 grid(static_cast<unsigned>((n_queries + kBlockQueries - 1) / kBlockQueries),
                  static_cast<unsigned>(n_heads), static_cast<unsigned>(n_batch));
  FlashAttentionKernel<<<grid, kThreads, 0, static_cast<cudaStream_t>(stream)>>>(
      OnDevice(q), OnDevice(k), OnDevice(v), n_queries, n_keys, d_model, OnDevice(out));
}

// f32 q, K, V and out (the encoder of the f32 path); f32 q and out over f16 K and V (a 16-bit model's
// cross-attention cache); all f16 (a 16-bit model's encoder, whose intermediates are f16).
template void FlashAttention(
    const AttentionShape&, const float*, const float*, const float*, float*, void*, FlashKernel);
template void FlashAttention(
    const AttentionShape&, const float*, const Half*, const Half*, float*, void*, FlashKernel);
template void FlashAttention(
    const AttentionShape&, const Half*, const Half*, const Half*, Half*, void*, FlashKernel);

}  // namespace verbatim::cuda_kernels
