// FlashAttention with scores and softmax weights in registers (FlashAttention-2's structure): raw mma.sync
// m16n8k16 instructions instead of WMMA, whose accumulator layout is opaque and so forced the kernel in
// flash_attention.cu to stage S, P and P·V through shared memory. Here every fragment's layout is known, so a
// warp keeps its 16 query rows' scores, their online softmax, the f16 weights P and the output O in
// registers; only K and V tiles pass through shared memory, loaded with cp.async one tile ahead.
//
// The fragment layouts every load and mma below relies on are spelled out in mma_fragments.cuh.

#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>

#include "backend/cuda/device_elements.cuh"
#include "backend/cuda/flash_attention.h"
#include "backend/cuda/mma_fragments.cuh"

namespace verbatim::cuda_kernels {
namespace {

using namespace mma;  // NOLINT(build/namespaces): the fragment helpers are this file's vocabulary

constexpr int kHeadDim = 64;  // every Whisper model's head width
constexpr int kWarp = 32;
constexpr int kWarps = 4;
constexpr int kWarpRows = 16;                      // an mma's m: the query rows a warp owns
constexpr int kBlockQueries = kWarps * kWarpRows;  // 64
constexpr int kTileKeys = 64;                      // keys a shared-memory tile of K and V
constexpr int kThreads = kWarps * kWarp;           // 128
constexpr int kDimSteps = kHeadDim / 16;           // k-steps of Q·Kᵀ
constexpr int kKeySteps = kTileKeys / 16;          // k-steps of P·V
constexpr int kScoreColumns = kTileKeys / 8;       // n-tiles of S: 8 keys each
constexpr int kOutputColumns = kHeadDim / 8;       // n-tiles of O: 8 dims each
constexpr float kLog2E = 1.4426950408889634f;
constexpr float kScoreToLog2 = 0.125f * kLog2E;  // 1/sqrt(64), folded into exp2's argument

// Rows padded by 16 bytes (144 B): the eight rows an ldmatrix reads then start 4 banks apart and cover all
// 32 banks once, and every 16-byte chunk stays 16-byte aligned for cp.async.
constexpr int kStride = kHeadDim + kRowChunk;  // halves

/** 46,080 B: under the 48 KiB of static shared memory a block may take without opting in. */
struct Tiles {
  alignas(16) __half queries[kBlockQueries][kStride];  // read once into A fragments
  alignas(16) __half keys[2][kTileKeys][kStride];      // [buffer][key][dim]: tile i in buffer i % 2
  alignas(16) __half values[2][kTileKeys][kStride];
};
static_assert(sizeof(Tiles) <= 48 * 1024, "static shared memory is limited to 48 KiB");

/**
 * Starts copying 64 rows of 64 halves (row r at rows + r · row_stride) into `tile`; rows from `n_valid` on
 * are zero-filled, so padded keys score finitely (and are masked) and padded values add 0 · 0. Each thread
 * copies 4 of the 512 chunks; 8 neighbouring threads read one row's 128 B.
 */
__device__ void CopyRowsAsync(const __half* __restrict__ rows,
                              int64_t row_stride,
                              int n_valid,
                              __half (*tile)[kStride]) {
  constexpr int kChunksPerRow = kHeadDim / kRowChunk;
  for (int i = threadIdx.x; i < kTileKeys * kChunksPerRow; i += kThreads) {
    const int row = i / kChunksPerRow, column = (i % kChunksPerRow) * kRowChunk;
    const bool valid = row < n_valid;
    // A zero-filled chunk reads nothing, but its address must still be a real one: row 0's.
    CopyAsync(&tile[row][column], rows + (valid ? row * row_stride : 0) + column, valid);
  }
}

/** f16 queries: copied as they are (the score scale is applied in f32 later). */
__device__ void StageQueries(const __half* __restrict__ rows,
                             int64_t row_stride,
                             int n_valid,
                             __half (*tile)[kStride]) {
  CopyRowsAsync(rows, row_stride, n_valid, tile);
}

/** f32 queries (cross-attention over an f16 cache): rounded to f16 once, zeros past `n_valid`. */
__device__ void StageQueries(const float* __restrict__ rows,
                             int64_t row_stride,
                             int n_valid,
                             __half (*tile)[kStride]) {
  constexpr int kQuads = kHeadDim / 4;
  for (int i = threadIdx.x; i < kBlockQueries * kQuads; i += kThreads) {
    const int row = i / kQuads, column = (i % kQuads) * 4;
    const float4 x = row < n_valid ? *reinterpret_cast<const float4*>(rows + row * row_stride + column)
                                   : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    *reinterpret_cast<__half2*>(&tile[row][column]) = __floats2half2_rn(x.x, x.y);
    *reinterpret_cast<__half2*>(&tile[row][column + 2]) = __floats2half2_rn(x.z, x.w);
  }
}

/**
 * The warp's 16 query rows as A fragments, one per 16 dims. ldmatrix matrix m = lane / 8 is the block at
 * rows 8·(m % 2), dims 8·(m / 2) of the 16×16 chunk: m0 rows 0–7 / dims 0–7 = a0, m1 rows 8–15 / dims 0–7
 * = a1, m2 rows 0–7 / dims 8–15 = a2, m3 rows 8–15 / dims 8–15 = a3.
 */
__device__ void LoadQueryFragments(const __half (*queries)[kStride],
                                   int warp,
                                   int lane,
                                   uint32_t (&query)[kDimSteps][4]) {
  const int row = warp * kWarpRows + lane % 8 + 8 * ((lane / 8) % 2);
#pragma unroll
  for (int step = 0; step < kDimSteps; ++step)
    LoadMatrices(query[step], &queries[row][step * 16 + 8 * (lane / 16)]);
}

/**
 * scores[n] = Q_warp · Kᵀ for keys 8n … 8n+7 of the tile. Kᵀ's B fragment (k = dims, n = keys) wants lane
 * (g, t) to hold K[key g][dims 2t, 2t+1]: a plain (untransposed) ldmatrix of K's [key][dim] rows. One x4
 * load serves two n-tiles of one k-step: matrix m = lane / 8 at keys 8·(m / 2), dims 8·(m % 2), so m0, m1
 * are b0, b1 of keys 16p … 16p+7 and m2, m3 those of keys 16p+8 … 16p+15.
 */
__device__ void ComputeScores(const uint32_t (&query)[kDimSteps][4],
                              const __half (*keys)[kStride],
                              int lane,
                              float (&scores)[kScoreColumns][4]) {
#pragma unroll
  for (int n = 0; n < kScoreColumns; ++n)
    scores[n][0] = scores[n][1] = scores[n][2] = scores[n][3] = 0.0f;
  const int key_in_pair = lane % 8 + 8 * (lane / 16), dim_in_step = 8 * ((lane / 8) % 2);
#pragma unroll
  for (int step = 0; step < kDimSteps; ++step) {
#pragma unroll
    for (int pair = 0; pair < kScoreColumns / 2; ++pair) {
      uint32_t b[4];
      LoadMatrices(b, &keys[pair * 16 + key_in_pair][step * 16 + dim_in_step]);
      MultiplyAdd(scores[2 * pair], query[step], b[0], b[1]);
      MultiplyAdd(scores[2 * pair + 1], query[step], b[2], b[3]);
    }
  }
}

/** Scores of the padding keys (from `n_valid` on, in the last tile only) become −∞: weight 0. */
__device__ void MaskPaddingKeys(int n_valid, int lane, float (&scores)[kScoreColumns][4]) {
#pragma unroll
  for (int n = 0; n < kScoreColumns; ++n) {
#pragma unroll
    for (int c = 0; c < 4; ++c) {
      const int key = 8 * n + 2 * (lane % 4) + c % 2;  // C fragment: column 2t + (c & 1)
      if (key >= n_valid)
        scores[n][c] = -INFINITY;
    }
  }
}

/**
 * The online softmax of one query row per call, `half` 0 for row g (C elements 0, 1) and 1 for row g + 8
 * (elements 2, 3). Folds the tile's scores into the running max (of raw scores), turns them into weights
 * exp2(s · scale·log2 e − max · scale·log2 e) in place, rescales what was accumulated under the old max
 * (the lane's part of the row sum and of O) and adds the tile's weights to the lane's part of the sum: the
 * four lanes' parts are added only at the end, since they share one max and so one rescaling.
 */
__device__ void SoftmaxStep(int half,
                            float (&scores)[kScoreColumns][4],
                            float& running_max,
                            float& running_sum,
                            float (&output)[kOutputColumns][4]) {
  float tile_max = -INFINITY;
#pragma unroll
  for (int n = 0; n < kScoreColumns; ++n)
    tile_max = fmaxf(tile_max, fmaxf(scores[n][2 * half], scores[n][2 * half + 1]));
  const float new_max = fmaxf(running_max, RowMax(tile_max));
  // Every tile holds a real key, so new_max is finite; were it −∞, shifting by 0 keeps −∞ − −∞ from making
  // NaN: the weights and the correction come out 0.
  const float shift = new_max == -INFINITY ? 0.0f : new_max * kScoreToLog2;
  const float correction = Exp2(running_max * kScoreToLog2 - shift);
  running_max = new_max;
  float tile_sum = 0.0f;
#pragma unroll
  for (int n = 0; n < kScoreColumns; ++n) {
#pragma unroll
    for (int c = 2 * half; c < 2 * half + 2; ++c) {
      scores[n][c] = Exp2(fmaf(scores[n][c], kScoreToLog2, -shift));
      tile_sum += scores[n][c];
    }
  }
  running_sum = running_sum * correction + tile_sum;
#pragma unroll
  for (int n = 0; n < kOutputColumns; ++n) {
    output[n][2 * half] *= correction;
    output[n][2 * half + 1] *= correction;
  }
}

/**
 * The weights of 16-key chunk j as P·V's A fragment: n-tile 2j's C elements are keys 2t, 2t+1 (rows g and
 * g + 8), n-tile 2j+1's keys 2t+8, 2t+9 — a0 … a3 exactly (see the layouts at the top).
 */
__device__ void WeightsAsFragments(const float (&weights)[kScoreColumns][4], uint32_t (&a)[kKeySteps][4]) {
#pragma unroll
  for (int step = 0; step < kKeySteps; ++step) {
    a[step][0] = PackHalves(weights[2 * step][0], weights[2 * step][1]);
    a[step][1] = PackHalves(weights[2 * step][2], weights[2 * step][3]);
    a[step][2] = PackHalves(weights[2 * step + 1][0], weights[2 * step + 1][1]);
    a[step][3] = PackHalves(weights[2 * step + 1][2], weights[2 * step + 1][3]);
  }
}

/**
 * output[n] += P · V for dims 8n … 8n+7. V's B fragment (k = keys, n = dims) wants lane (g, t) to hold
 * V[keys 2t, 2t+1][dim g]: a transposing ldmatrix of V's [key][dim] rows. One x4 load serves two n-tiles:
 * matrix m = lane / 8 at keys 8·(m % 2), dims 8·(m / 2), so m0, m1 are b0, b1 of dims 16p … 16p+7 and
 * m2, m3 those of dims 16p+8 … 16p+15.
 */
__device__ void AccumulateWeightedValues(const uint32_t (&weights)[kKeySteps][4],
                                         const __half (*values)[kStride],
                                         int lane,
                                         float (&output)[kOutputColumns][4]) {
  const int key_in_step = lane % 8 + 8 * ((lane / 8) % 2), dim_in_pair = 8 * (lane / 16);
#pragma unroll
  for (int step = 0; step < kKeySteps; ++step) {
#pragma unroll
    for (int pair = 0; pair < kOutputColumns / 2; ++pair) {
      uint32_t b[4];
      LoadMatricesTransposed(b, &values[step * 16 + key_in_step][pair * 16 + dim_in_pair]);
      MultiplyAdd(output[2 * pair], weights[step], b[0], b[1]);
      MultiplyAdd(output[2 * pair + 1], weights[step], b[2], b[3]);
    }
  }
}

/** Two neighbouring outputs stored as the output's element: f32 as they are, f16 rounded to nearest. */
__device__ void StorePair(float* out, float low, float high) {
  *reinterpret_cast<float2*>(out) = make_float2(low, high);
}
__device__ void StorePair(__half* out, float low, float high) {
  *reinterpret_cast<__half2*>(out) = __floats2half2_rn(low, high);
}

/**
 * O / row sum for the lane's two rows, straight from the C fragments: row g + 8·half, dims 8n + 2t and the
 * one after. Rows past the last query (padding) are not written.
 */
template <typename Out>
__device__ void StoreOutput(const float (&output)[kOutputColumns][4],
                            const float (&running_sum)[2],
                            int64_t first_row,
                            int64_t n_queries,
                            int64_t d_model,
                            int lane,
                            Out* __restrict__ out) {
#pragma unroll
  for (int half = 0; half < 2; ++half) {
    const float sum = RowSum(running_sum[half]);
    const float inverse_sum = sum > 0.0f ? 1.0f / sum : 0.0f;  // 0: no keys at all
    const int64_t row = first_row + lane / 4 + 8 * half;
    if (row >= n_queries)
      continue;
    Out* row_out = out + row * d_model + 2 * (lane % 4);
#pragma unroll
    for (int n = 0; n < kOutputColumns; ++n)
      StorePair(row_out + 8 * n, output[n][2 * half] * inverse_sum, output[n][2 * half + 1] * inverse_sum);
  }
}

/**
 * A block takes 64 queries of one (sequence, head): blockIdx.x the query block, y the head, z the sequence.
 * Per 64-key tile, each warp computes its 16×64 scores in registers, takes an online-softmax step and adds
 * P·V into O; the next tile's K and V are already on their way into the other buffer.
 */
// At most 128 registers a thread (ptxas fits it without spilling; it would take 139 unbounded), so that 4
// blocks, 16 warps, share an SM: 4 × 46 KB of shared memory fit too, from sm_80 on.
template <typename Q, typename Out>
__global__ void __launch_bounds__(kThreads, 4) RegisterFlashKernel(const Q* __restrict__ q,
                                                                   const __half* __restrict__ k,
                                                                   const __half* __restrict__ v,
                                                                   int64_t n_queries,
                                                                   int64_t n_keys,
                                                                   int64_t d_model,
                                                                   Out* __restrict__ out) {
  __shared__ Tiles tiles;
  const int warp = threadIdx.x / kWarp, lane = threadIdx.x % kWarp;
  const int64_t head_offset = static_cast<int64_t>(blockIdx.y) * kHeadDim, batch = blockIdx.z;
  const int64_t first_query = static_cast<int64_t>(blockIdx.x) * kBlockQueries;
  const __half* key_rows = k + batch * n_keys * d_model + head_offset;
  const __half* value_rows = v + batch * n_keys * d_model + head_offset;
  const int n_tiles = static_cast<int>((n_keys + kTileKeys - 1) / kTileKeys);
  auto copy_tile = [&](int tile) {
    const int64_t start = static_cast<int64_t>(tile) * kTileKeys;
    const int n_valid = static_cast<int>(min(static_cast<int64_t>(kTileKeys), n_keys - start));
    CopyRowsAsync(key_rows + start * d_model, d_model, n_valid, tiles.keys[tile % 2]);
    CopyRowsAsync(value_rows + start * d_model, d_model, n_valid, tiles.values[tile % 2]);
  };

  // Copy groups: the queries, then tile 0, then one per tile (tile i + 1 committed in iteration i, an empty
  // group in the last), so "all but the newest group done" always means "everything up to this tile".
  StageQueries(q + (batch * n_queries + first_query) * d_model + head_offset, d_model,
               static_cast<int>(min(static_cast<int64_t>(kBlockQueries), n_queries - first_query)),
               tiles.queries);
  CommitCopies();
  if (n_tiles > 0)
    copy_tile(0);
  CommitCopies();
  WaitForCopies<1>();
  __syncthreads();
  uint32_t query[kDimSteps][4];
  LoadQueryFragments(tiles.queries, warp, lane, query);

  float output[kOutputColumns][4] = {};
  float running_max[2] = {-INFINITY, -INFINITY}, running_sum[2] = {0.0f, 0.0f};
  for (int tile = 0; tile < n_tiles; ++tile) {
    if (tile + 1 < n_tiles)
      copy_tile(tile + 1);  // into the buffer every warp finished reading in the previous iteration
    CommitCopies();
    WaitForCopies<1>();
    __syncthreads();  // this tile's chunks, copied by all threads, are in place

    float scores[kScoreColumns][4];
    ComputeScores(query, tiles.keys[tile % 2], lane, scores);
    const int64_t n_left = n_keys - static_cast<int64_t>(tile) * kTileKeys;
    if (n_left < kTileKeys)
      MaskPaddingKeys(static_cast<int>(n_left), lane, scores);
    SoftmaxStep(0, scores, running_max[0], running_sum[0], output);
    SoftmaxStep(1, scores, running_max[1], running_sum[1], output);
    uint32_t weights[kKeySteps][4];
    WeightsAsFragments(scores, weights);
    AccumulateWeightedValues(weights, tiles.values[tile % 2], lane, output);
    __syncthreads();  // every warp is done with this buffer before iteration tile + 1 refills it
  }
  StoreOutput(output, running_sum, first_query + warp * kWarpRows, n_queries, d_model, lane,
              out + batch * n_queries * d_model + head_offset);
}

}  // namespace

template <typename Q, typename Out>
void RegisterFlashAttention(
    const AttentionShape& shape, const Q* q, const Half* k, const Half* v, Out* out, void* stream) {
  const auto [n_batch, n_queries, n_keys, d_model, n_heads] = shape;
  if (n_batch == 0 || n_queries == 0 || n_heads == 0)
    return;
  const dim3 grid(static_cast<unsigned>((n_queries + kBlockQueries - 1) / kBlockQueries),
                  static_cast<unsigned>(n_heads), static_cast<unsigned>(n_batch));
  RegisterFlashKernel<<<grid, kThreads, 0, static_cast<cudaStream_t>(stream)>>>(
      OnDevice(q), OnDevice(k), OnDevice(v), n_queries, n_keys, d_model, OnDevice(out));
}

// All four f16 (a 16-bit model's encoder); f32 q and out over an f16 cache (cross-attention).
template void RegisterFlashAttention(
    const AttentionShape&, const Half*, const Half*, const Half*, Half*, void*);
template void RegisterFlashAttention(
    const AttentionShape&, const float*, const Half*, const Half*, float*, void*);

}  // namespace verbatim::cuda_kernels
