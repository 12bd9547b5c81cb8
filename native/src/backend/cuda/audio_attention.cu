// AudioAttention (audio_attention.h): one pass over each window's audio for all of its query-heads.
//
// A block takes up to 8·kQueryTiles query-heads of one window and a run of 16-frame chunks of its audio, and
// computes transposed: scoresᵀ = E · foldedᵀ (the chunk's 16 frames are the mma's m, the query-heads its n,
// in 8-wide tiles) and contextᵀ += Eᵀ · Pᵀ (the width is the m, 16 at a time). So a greedy step's 20
// query-heads a window (large-v3) fit one block in three n-tiles, where 16-row query tiles would take two
// blocks and read the window's audio twice. The block's warps split the width: warp w owns columns [w·C,
// (w+1)·C), copies only those columns of each chunk into its own shared tile (cp.async, one chunk ahead), and
// holds only those columns of the queries (B fragments) and of the context (C fragments); a warp needs no
// other warp's data but for the scores, whose dot products run over the whole width: each warp's partial
// scores go through shared memory and are summed in a fixed order, and every warp then takes the same
// online-softmax step. The fragment layouts are in mma_fragments.cuh.
//
// The frames split over blocks (gridDim.y) only as far as filling the GPU needs; splits leave their
// unnormalised context and their running max and sum, and MergeAudioSplits combines them (FlashDecoding's
// log-sum-exp merge). With one split the block normalises and writes the context itself.

#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "backend/cuda/audio_attention.h"
#include "backend/cuda/device_elements.cuh"
#include "backend/cuda/mma_fragments.cuh"

namespace verbatim::cuda_kernels {
namespace {

using namespace mma;  // NOLINT(build/namespaces): the fragment helpers are this file's vocabulary

constexpr int kWarp = 32;
constexpr int kChunkFrames = 16;  // the m of scoresᵀ, the k of contextᵀ
constexpr int kMaxSplits = 16;
// Chunks a warp has in flight. Three (two ahead) measured no faster than two on an H100
// (tools/cuda/README.md, session 11): at ~2.2 µs a 16-frame chunk for a 16-warp block, the loop is bound by
// its two barriers and the tensor and softmax work every warp repeats, not by memory latency. Three stages of
// large-v3's chunks still fit an A100's shared memory (161 of 163 KB).
constexpr int kStages = 3;
constexpr float kLog2E = 1.4426950408889634f;

/** Shared memory of the kernel for kWarps warps of kColumnTiles 8-column tiles each, kQueryTiles n-tiles. */
template <int kWarps, int kColumnTiles, int kQueryTiles>
struct AudioLayout {
  static constexpr int kColumns = 8 * kColumnTiles;  // a warp's slice of the width
  static constexpr int kWidth = kWarps * kColumns;
  static constexpr int kThreads = kWarps * kWarp;
  static constexpr int kQueries = 8 * kQueryTiles;  // a block's query-heads
  // Rows padded by 16 bytes: for C = 48, 64, 80 columns the eight rows an ldmatrix reads then fall on
  // distinct banks, and every 16-byte chunk stays aligned for cp.async.
  static constexpr int kStride = kColumns + kRowChunk;
  static constexpr std::size_t kTileBytes = static_cast<std::size_t>(kChunkFrames) * kStride * sizeof(__half);
  static constexpr std::size_t kFrameBytes = static_cast<std::size_t>(kWarps) * kStages * kTileBytes;
  static constexpr int kScoreFloats = kChunkFrames * kQueries;  // a chunk's scores: a warp's share or the sum
  // The summed scores' rows [frame][query-head] are padded by 4 floats, so that the lanes reading a B
  // fragment (frames 2t…, query-head g) hit 32 distinct banks.
  static constexpr int kSumStride = kQueries + 4;
  static constexpr std::size_t kSharedBytes =
      kFrameBytes +
      (static_cast<std::size_t>(kWarps) * kScoreFloats + kChunkFrames * kSumStride) * sizeof(float);
};

/** Starts copying frames [start, start + 16) of the warp's columns into `tile`; frames past the end are 0. */
template <int kColumnTiles, int kStride>
__device__ void CopyChunkAsync(const __half* __restrict__ columns,
                               int64_t width,
                               int64_t start,
                               int64_t n_frames,
                               int lane,
                               __half (*tile)[kStride]) {
  for (int i = lane; i < kChunkFrames * kColumnTiles; i += kWarp) {  // kColumnTiles 16-byte chunks a row
    const int row = i / kColumnTiles, column = (i % kColumnTiles) * kRowChunk;
    const bool valid = start + row < n_frames;
    // A zero-filled chunk reads nothing, but its address must still be a real one: the chunk's first row's.
    CopyAsync(&tile[row][column], columns + (valid ? (start + row) * width : start * width) + column, valid);
  }
}

/** The value lane `source` holds (a query-head's softmax statistic, moved to where its context column is). */
__device__ float FromLane(float value, int source) {
  return __shfl_sync(kAllLanes, value, source);
}

/**
 * Grid: x the window's block of query-heads, y the split of the frames, z the window. Writes, for each of its
 * query-heads, either the normalised context (one split) or the split's unnormalised context and its
 * (max · scale · log2 e, sum) for MergeAudioSplits.
 */
template <int kWarps, int kColumnTiles, int kQueryTiles>
__global__ void __launch_bounds__(kWarps* kWarp) AudioAttentionKernel(const __half* __restrict__ folded,
                                                                      const __half* __restrict__ audio,
                                                                      int64_t queries_per_window,
                                                                      int64_t n_frames,
                                                                      int chunks_per_split,
                                                                      float score_to_log2,
                                                                      float* __restrict__ split_context,
                                                                      float2* __restrict__ split_stats,
                                                                      __half* __restrict__ context) {
  using Layout = AudioLayout<kWarps, kColumnTiles, kQueryTiles>;
  constexpr int kColumns = Layout::kColumns, kStride = Layout::kStride, kSumStride = Layout::kSumStride;
  constexpr int64_t kWidth = Layout::kWidth;
  constexpr int kDimSteps = kColumns / 16;  // 16-column steps of the warp's slice: k of scores, m of context
  extern __shared__ __align__(16) unsigned char shared[];
  const int warp = threadIdx.x / kWarp, lane = threadIdx.x % kWarp;
  const int group = lane / 4, place = lane % 4;  // g and t of the fragment layouts
  auto* tiles = reinterpret_cast<__half(*)[kChunkFrames][kStride]>(shared) + kStages * warp;  // this warp's
  float* partial_scores = reinterpret_cast<float*>(shared + Layout::kFrameBytes);  // [warp][fragment]
  float* scores_sum = partial_scores + kWarps * Layout::kScoreFloats;              // [frame][query-head]

  const int64_t window = blockIdx.z, first_query = static_cast<int64_t>(blockIdx.x) * Layout::kQueries;
  const int split = blockIdx.y, n_splits = gridDim.y;
  const int n_queries =
      static_cast<int>(min(static_cast<int64_t>(Layout::kQueries), queries_per_window - first_query));
  const int column0 = warp * kColumns;
  const __half* columns = audio + window * n_frames * kWidth + column0;
  const int n_chunks = static_cast<int>((n_frames + kChunkFrames - 1) / kChunkFrames);
  const int first_chunk = split * chunks_per_split;
  const int end_chunk = min(first_chunk + chunks_per_split, n_chunks);

  // Copy groups: one per chunk, kStages − 1 ahead (an empty group past the end), so that "all but the newest
  // kStages − 1 groups done" always means "this chunk is in place".
#pragma unroll
  for (int ahead = 0; ahead < kStages - 1; ++ahead) {
    if (first_chunk + ahead < end_chunk) {
      CopyChunkAsync<kColumnTiles, kStride>(columns, kWidth,
                                            static_cast<int64_t>(first_chunk + ahead) * kChunkFrames,
                                            n_frames, lane, tiles[ahead]);
    }
    CommitCopies();
  }

  // foldedᵀ's B fragments, this warp's columns (k) × the block's query-heads (n): lane (g, t) holds
  // query-head 8n + g at columns 2t, 2t+1 and 2t+8, 2t+9 of each 16-column step, straight from memory.
  const __half* query_rows = folded + (window * queries_per_window + first_query) * kWidth + column0;
  auto query_pair = [&](int query, int column) {
    return query < n_queries ? *reinterpret_cast<const uint32_t*>(query_rows + query * kWidth + column) : 0u;
  };
  uint32_t query[kDimSteps][kQueryTiles][2];
#pragma unroll
  for (int step = 0; step < kDimSteps; ++step) {
#pragma unroll
    for (int n = 0; n < kQueryTiles; ++n) {
      query[step][n][0] = query_pair(8 * n + group, step * 16 + 2 * place);
      query[step][n][1] = query_pair(8 * n + group, step * 16 + 2 * place + 8);
    }
  }

  // contextᵀ's C fragments: column 16·step + g (+8) of the slice × query-heads 8n + 2t, 2t+1. The softmax
  // statistics of query-head 8n + g, as the scores' B fragments hold them.
  float output[kDimSteps][kQueryTiles][4] = {};
  float running_max[kQueryTiles], running_sum[kQueryTiles];
#pragma unroll
  for (int n = 0; n < kQueryTiles; ++n)
    running_max[n] = -INFINITY, running_sum[n] = 0.0f;
  int stage = 0;  // (chunk − first_chunk) mod kStages: this chunk's buffer
  for (int chunk = first_chunk; chunk < end_chunk; ++chunk) {
    __half(*tile)[kStride] = tiles[stage];
    // The buffer kStages − 1 chunks ahead is the previous chunk's: the warp's lanes are done with it.
    const int refill = stage == 0 ? kStages - 1 : stage - 1;
    __syncwarp();
    if (chunk + kStages - 1 < end_chunk) {
      CopyChunkAsync<kColumnTiles, kStride>(columns, kWidth,
                                            static_cast<int64_t>(chunk + kStages - 1) * kChunkFrames,
                                            n_frames, lane, tiles[refill]);
    }
    CommitCopies();
    WaitForCopies<kStages - 1>();
    __syncwarp();  // every lane's copies of this chunk are in place
    stage = stage == kStages - 1 ? 0 : stage + 1;

    // This warp's share of scoresᵀ (16 frames × the query-heads) over its columns. E's A fragment: matrix
    // m = lane / 8 of the x4 load at frames 8·(m % 2), columns 8·(m / 2) of the step.
    float scores[kQueryTiles][4] = {};
    const int frame_row = lane % 8 + 8 * ((lane / 8) % 2), column_half = 8 * (lane / 16);
#pragma unroll
    for (int step = 0; step < kDimSteps; ++step) {
      uint32_t a[4];
      LoadMatrices(a, &tile[frame_row][step * 16 + column_half]);
#pragma unroll
      for (int n = 0; n < kQueryTiles; ++n)
        MultiplyAdd(scores[n], a, query[step][n][0], query[step][n][1]);
    }
    // The whole width's scores: every warp's shares summed in warp order (the same sums for every warp),
    // stored as [frame][query-head]: C element c of n-tile n is frame g + 8·(c / 2), query-head 8n + 2t + c
    // % 2.
    float* mine = partial_scores + warp * Layout::kScoreFloats + lane * 4 * kQueryTiles;
#pragma unroll
    for (int n = 0; n < kQueryTiles; ++n)
      *reinterpret_cast<float4*>(mine + 4 * n) =
          make_float4(scores[n][0], scores[n][1], scores[n][2], scores[n][3]);
    __syncthreads();
    for (int i = threadIdx.x; i < Layout::kScoreFloats; i += Layout::kThreads) {
      float sum = 0.0f;
#pragma unroll
      for (int w = 0; w < kWarps; ++w)
        sum += partial_scores[w * Layout::kScoreFloats + i];
      const int owner = i / (4 * kQueryTiles), n = (i / 4) % kQueryTiles, c = i % 4;
      scores_sum[(owner / 4 + 8 * (c / 2)) * kSumStride + 8 * n + 2 * (owner % 4) + c % 2] = sum;
    }
    __syncthreads();

    // Pᵀ's B fragments (k = frames, n = query-heads): lane (g, t) takes query-head 8n + g at frames 2t, 2t+1,
    // 2t+8, 2t+9, so a query-head's 16 frames lie in its group's four lanes (two shuffles for max and sum).
    const int64_t frames_left = n_frames - static_cast<int64_t>(chunk) * kChunkFrames;
    uint32_t weights[kQueryTiles][2];
    float correction[kQueryTiles];
#pragma unroll
    for (int n = 0; n < kQueryTiles; ++n) {
      float p[4];
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const int frame = 2 * place + (j % 2) + 8 * (j / 2);
        p[j] = frame < frames_left ? scores_sum[frame * kSumStride + 8 * n + group] : -INFINITY;
      }
      // Every chunk holds a real frame, so the new max is finite; the first correction is exp2(−∞) = 0.
      const float new_max = fmaxf(running_max[n], RowMax(fmaxf(fmaxf(p[0], p[1]), fmaxf(p[2], p[3]))));
      const float shift = new_max * score_to_log2;
      correction[n] = Exp2(fmaf(running_max[n], score_to_log2, -shift));
      running_max[n] = new_max;
      float chunk_sum = 0.0f;
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        p[j] = Exp2(fmaf(p[j], score_to_log2, -shift));
        chunk_sum += p[j];
      }
      running_sum[n] = fmaf(running_sum[n], correction[n], chunk_sum);
      weights[n][0] = PackHalves(p[0], p[1]);
      weights[n][1] = PackHalves(p[2], p[3]);
    }

    // contextᵀ = contextᵀ · correction + Eᵀ · Pᵀ. A C fragment's columns are query-heads 8n + 2t and 2t+1,
    // whose corrections lanes 4·2t and 4·(2t+1) hold. Eᵀ's A fragment (m = columns, k = frames) is a
    // transposing x4 load: matrix m at frames 8·(m / 2), columns 8·(m % 2) of the step.
#pragma unroll
    for (int n = 0; n < kQueryTiles; ++n) {
      const float even = FromLane(correction[n], 8 * place), odd = FromLane(correction[n], 8 * place + 4);
#pragma unroll
      for (int step = 0; step < kDimSteps; ++step) {
        output[step][n][0] *= even, output[step][n][1] *= odd;
        output[step][n][2] *= even, output[step][n][3] *= odd;
      }
    }
    const int frame_half = lane % 8 + 8 * (lane / 16), column_row = 8 * ((lane / 8) % 2);
#pragma unroll
    for (int step = 0; step < kDimSteps; ++step) {
      uint32_t a[4];
      LoadMatricesTransposed(a, &tile[frame_half][step * 16 + column_row]);
#pragma unroll
      for (int n = 0; n < kQueryTiles; ++n)
        MultiplyAdd(output[step][n], a, weights[n][0], weights[n][1]);
    }
  }

  // Each query-head's max and sum (over its group's lanes), moved to the lanes whose C fragments hold its
  // context columns: query-head 8n + 2t + e sits in lane 4·(2t + e).
#pragma unroll
  for (int n = 0; n < kQueryTiles; ++n) {
    const float sum = RowSum(running_sum[n]);
    float sums[2], maxes[2];
#pragma unroll
    for (int e = 0; e < 2; ++e) {
      sums[e] = FromLane(sum, 4 * (2 * place + e));
      maxes[e] = FromLane(running_max[n], 4 * (2 * place + e));
    }
#pragma unroll
    for (int e = 0; e < 2; ++e) {
      const int query = 8 * n + 2 * place + e;
      if (query >= n_queries)
        continue;
      const int64_t query_row = window * queries_per_window + first_query + query;
      if (n_splits == 1) {
        const float inverse = 1.0f / sums[e];  // ≥ 1 frame's weight exp2(0) in the sum
        __half* out = context + query_row * kWidth + column0 + group;
#pragma unroll
        for (int step = 0; step < kDimSteps; ++step) {
          out[16 * step] = __float2half_rn(output[step][n][e] * inverse);
          out[16 * step + 8] = __float2half_rn(output[step][n][2 + e] * inverse);
        }
        continue;
      }
      float* out = split_context + (query_row * n_splits + split) * kWidth + column0 + group;
#pragma unroll
      for (int step = 0; step < kDimSteps; ++step) {
        out[16 * step] = output[step][n][e];
        out[16 * step + 8] = output[step][n][2 + e];
      }
      if (warp == 0 && group == 0)
        split_stats[query_row * n_splits + split] = make_float2(maxes[e] * score_to_log2, sums[e]);
    }
  }
}

/**
 * context[row] = Σ_s 2^(m_s − M) · context_s[row] / Σ_s 2^(m_s − M) · l_s over the splits s of a
 * query-head (m_s its max in log2 units, l_s its sum, M the largest m_s); a block a row, 4 columns a thread.
 */
__global__ void MergeAudioSplits(const float* __restrict__ split_context,
                                 const float2* __restrict__ split_stats,
                                 int n_splits,
                                 int64_t width,
                                 __half* __restrict__ context) {
  const int64_t row = blockIdx.x;
  const float2* stats = split_stats + row * n_splits;
  float max_log2 = -INFINITY;
  for (int s = 0; s < n_splits; ++s)
    max_log2 = fmaxf(max_log2, stats[s].x);
  float weight[kMaxSplits];
  float total = 0.0f;
#pragma unroll
  for (int s = 0; s < kMaxSplits; ++s) {
    weight[s] = s < n_splits ? exp2f(stats[s].x - max_log2) : 0.0f;
    total += s < n_splits ? weight[s] * stats[s].y : 0.0f;
  }
  const float inverse = 1.0f / total;
  for (int64_t column = 4 * threadIdx.x; column < width; column += 4 * blockDim.x) {
    float4 sum = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
#pragma unroll
    for (int s = 0; s < kMaxSplits; ++s) {
      if (s >= n_splits)
        break;
      const float4 part =
          *reinterpret_cast<const float4*>(split_context + (row * n_splits + s) * width + column);
      sum.x = fmaf(weight[s], part.x, sum.x);
      sum.y = fmaf(weight[s], part.y, sum.y);
      sum.z = fmaf(weight[s], part.z, sum.z);
      sum.w = fmaf(weight[s], part.w, sum.w);
    }
    __half* out = context + row * width + column;
    *reinterpret_cast<__half2*>(out) = __floats2half2_rn(sum.x * inverse, sum.y * inverse);
    *reinterpret_cast<__half2*>(out + 2) = __floats2half2_rn(sum.z * inverse, sum.w * inverse);
  }
}

/**
 * Calls `use(warps, column_tiles)` (std::integral_constant's) with the kernel configuration for `width` —
 * 8 warps for widths up to 512, else 16, each owning 48, 64 or 80 columns — and returns true; false when
 * no configuration has that width.
 */
template <typename Use>
bool WithConfiguration(int64_t width, Use&& use) {
  using Eight = std::integral_constant<int, 8>;
  using Sixteen = std::integral_constant<int, 16>;
  switch (width) {
    case 384:  // tiny
      use(Eight{}, std::integral_constant<int, 6>{});
      return true;
    case 512:  // base
      use(Eight{}, std::integral_constant<int, 8>{});
      return true;
    case 768:  // small
      use(Sixteen{}, std::integral_constant<int, 6>{});
      return true;
    case 1024:  // medium
      use(Sixteen{}, std::integral_constant<int, 8>{});
      return true;
    case 1280:  // large, turbo
      use(Sixteen{}, std::integral_constant<int, 10>{});
      return true;
    default:
      return false;
  }
}

/**
 * The most 8-query-head tiles a block of `warps` warps takes: its registers hold a query-head's B fragments
 * and context for every one (16 warps of 80 columns: 3 tiles, ~120 registers a thread; 4 would spill).
 */
constexpr int MaxQueryTiles(int warps) {
  return warps == 8 ? 4 : 3;
}

/** Calls `use(query_tiles)` with `tiles` (1 … 4) as a std::integral_constant. */
template <typename Use>
void WithQueryTiles(int tiles, Use&& use) {
  switch (tiles) {
    case 1:
      use(std::integral_constant<int, 1>{});
      break;
    case 2:
      use(std::integral_constant<int, 2>{});
      break;
    case 3:
      use(std::integral_constant<int, 3>{});
      break;
    default:
      use(std::integral_constant<int, 4>{});
      break;
  }
}

/** The launch: query-head blocks × splits × windows, and how many 16-frame chunks a split takes. */
struct AudioPlan {
  int query_tiles = 1;  // 8 query-heads each, a block's
  int query_blocks = 0;
  int n_splits = 1;
  int chunks_per_split = 0;
};

AudioPlan PlanFor(const AudioAttentionShape& shape, int concurrent_blocks) {
  AudioPlan plan;
  const int max_tiles = MaxQueryTiles(shape.width <= 512 ? 8 : 16);
  const int64_t tiles = (shape.queries_per_window + 7) / 8;
  plan.query_tiles = static_cast<int>(std::min<int64_t>(tiles, max_tiles));
  plan.query_blocks = static_cast<int>((tiles + plan.query_tiles - 1) / plan.query_tiles);
  const int64_t n_chunks = (shape.n_frames + kChunkFrames - 1) / kChunkFrames;
  const int64_t base = std::max<int64_t>(1, shape.n_windows * plan.query_blocks);
  // As many splits as keep one wave of blocks (a second, partial wave would leave most SMs idle).
  const int64_t wanted =
      std::clamp<int64_t>(concurrent_blocks / base, 1, std::min<int64_t>(kMaxSplits, n_chunks));
  plan.chunks_per_split = static_cast<int>((n_chunks + wanted - 1) / wanted);
  plan.n_splits = static_cast<int>((n_chunks + plan.chunks_per_split - 1) / plan.chunks_per_split);
  return plan;
}

/** Grants the kernel its shared memory; its blocks per multiprocessor, or 0 where the device refuses. */
template <int kWarps, int kColumnTiles, int kQueryTiles>
int PrepareKernel(int device) {
  using Layout = AudioLayout<kWarps, kColumnTiles, kQueryTiles>;
  const auto kernel = AudioAttentionKernel<kWarps, kColumnTiles, kQueryTiles>;
  int optin = 0, per_multiprocessor = 0;
  if (cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device) != cudaSuccess ||
      static_cast<std::size_t>(optin) < Layout::kSharedBytes ||
      cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                           static_cast<int>(Layout::kSharedBytes)) != cudaSuccess ||
      cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_multiprocessor, kernel, Layout::kThreads,
                                                    Layout::kSharedBytes) != cudaSuccess) {
    (void)cudaGetLastError();  // a refusal here only means the GEMM path; it must not poison later checks
    return 0;
  }
  return per_multiprocessor;
}

}  // namespace

int AudioAttentionConcurrentBlocks(int64_t width) {
  int device = 0, multiprocessors = 0;
  if (cudaGetDevice(&device) != cudaSuccess ||
      cudaDeviceGetAttribute(&multiprocessors, cudaDevAttrMultiProcessorCount, device) != cudaSuccess) {
    (void)cudaGetLastError();
    return 0;
  }
  // The fewest blocks at once of any query-tile count: one number plans every launch for this width.
  int per_multiprocessor = 0;
  WithConfiguration(width, [&](auto warps, auto column_tiles) {
    constexpr int kWarps = decltype(warps)::value, kColumnTiles = decltype(column_tiles)::value;
    per_multiprocessor = PrepareKernel<kWarps, kColumnTiles, 1>(device);
    for (int tiles = 2; tiles <= MaxQueryTiles(kWarps); ++tiles) {
      WithQueryTiles(tiles, [&](auto query_tiles) {
        constexpr int kQueryTiles = std::min(decltype(query_tiles)::value, MaxQueryTiles(kWarps));
        per_multiprocessor =
            std::min(per_multiprocessor, PrepareKernel<kWarps, kColumnTiles, kQueryTiles>(device));
      });
    }
  });
  return multiprocessors * per_multiprocessor;
}

int64_t AudioAttentionScratchFloats(const AudioAttentionShape& shape, int concurrent_blocks) {
  const AudioPlan plan = PlanFor(shape, concurrent_blocks);
  if (plan.n_splits == 1)
    return 0;
  const int64_t rows = shape.n_windows * shape.queries_per_window;
  return rows * plan.n_splits * shape.width + 2 * rows * plan.n_splits;  // contexts, then (max, sum) pairs
}

void AudioAttention(const AudioAttentionShape& shape,
                    const Half* folded,
                    const Half* audio,
                    float score_scale,
                    int concurrent_blocks,
                    float* scratch,
                    Half* context,
                    Stream stream) {
  if (shape.n_windows == 0 || shape.queries_per_window == 0)
    return;
  const AudioPlan plan = PlanFor(shape, concurrent_blocks);
  const int64_t rows = shape.n_windows * shape.queries_per_window;
  float* split_context = scratch;
  auto* split_stats =
      reinterpret_cast<float2*>(plan.n_splits == 1 ? nullptr : scratch + rows * plan.n_splits * shape.width);
  const auto cuda_stream = static_cast<cudaStream_t>(stream);
  const dim3 grid(static_cast<unsigned>(plan.query_blocks), static_cast<unsigned>(plan.n_splits),
                  static_cast<unsigned>(shape.n_windows));
  WithConfiguration(shape.width, [&](auto warps, auto column_tiles) {
    constexpr int kWarps = decltype(warps)::value, kColumnTiles = decltype(column_tiles)::value;
    WithQueryTiles(plan.query_tiles, [&](auto query_tiles) {
      constexpr int kQueryTiles = std::min(decltype(query_tiles)::value, MaxQueryTiles(kWarps));
      using Layout = AudioLayout<kWarps, kColumnTiles, kQueryTiles>;
      AudioAttentionKernel<kWarps, kColumnTiles, kQueryTiles>
          <<<grid, Layout::kThreads, Layout::kSharedBytes, cuda_stream>>>(
              OnDevice(folded), OnDevice(audio), shape.queries_per_window, shape.n_frames,
              plan.chunks_per_split, score_scale * kLog2E, split_context, split_stats, OnDevice(context));
    });
  });
  if (plan.n_splits > 1) {
    MergeAudioSplits<<<static_cast<unsigned>(rows), 128, 0, cuda_stream>>>(
        split_context, split_stats, plan.n_splits, shape.width, OnDevice(context));
  }
}

}  // namespace verbatim::cuda_kernels
