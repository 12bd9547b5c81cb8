// AudioAttention (audio_attention.h): one pass over each window's audio for all of its query-heads.
//
// A block takes 16 query-heads of one window (an mma's m) and a run of 16-frame chunks of its audio. Its
// warps split the width: warp w owns columns [w·C, (w+1)·C), copies only those columns of each chunk into
// its own shared tile (cp.async, one chunk ahead), and holds only those columns of the queries (A fragments)
// and of the context (C fragments). So the audio is read from memory once, and a warp needs no other warp's
// data — except for the scores, whose dot products run over the whole width: each warp's partial 16×16
// scores go through shared memory, are summed in a fixed order, and every warp then takes the same online
// softmax step and adds P · (its columns of the chunk) into its context. The fragment layouts are in
// mma_fragments.cuh.
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
constexpr int kBlockQueries = 16;   // an mma's m
constexpr int kChunkFrames = 16;    // an mma's k for P·E, two n-tiles of scores
constexpr int kFragmentFloats = 8;  // a lane's scores of a chunk: two n-tiles × four
constexpr int kMaxSplits = 16;
constexpr float kLog2E = 1.4426950408889634f;

/** Shared memory of the kernel for kWarps warps of kColumnTiles 8-column tiles each. */
template <int kWarps, int kColumnTiles>
struct AudioLayout {
  static constexpr int kColumns = 8 * kColumnTiles;  // a warp's slice of the width
  static constexpr int kWidth = kWarps * kColumns;
  static constexpr int kThreads = kWarps * kWarp;
  // Rows padded by 16 bytes: for C = 48, 64, 80 columns the eight rows an ldmatrix reads then fall on
  // distinct banks, and every 16-byte chunk stays aligned for cp.async.
  static constexpr int kStride = kColumns + kRowChunk;
  static constexpr std::size_t kTileBytes = static_cast<std::size_t>(kChunkFrames) * kStride * sizeof(__half);
  static constexpr std::size_t kFrameBytes = static_cast<std::size_t>(kWarps) * 2 * kTileBytes;  // 2 buffers
  static constexpr std::size_t kScoreFloats = kWarp * kFragmentFloats;  // a chunk's 16×16 scores
  static constexpr std::size_t kSharedBytes = kFrameBytes + (kWarps + 1) * kScoreFloats * sizeof(float);
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

/**
 * The online softmax step of one query row (`half` 0: row g, C elements 0 and 1; 1: row g + 8, elements 2
 * and 3) over the chunk's scores: new running max, the weights exp2((s − max) · scale · log2 e) in place,
 * the lane's part of the running sum and its context rescaled to the new max.
 */
template <int kColumnTiles>
__device__ void SoftmaxStep(int half,
                            float score_to_log2,
                            float (&scores)[2][4],
                            float& running_max,
                            float& running_sum,
                            float (&context)[kColumnTiles][4]) {
  const float chunk_max = fmaxf(fmaxf(scores[0][2 * half], scores[0][2 * half + 1]),
                                fmaxf(scores[1][2 * half], scores[1][2 * half + 1]));
  // Every chunk holds a real frame, so the new max is finite; the first correction is exp2(−∞) = 0.
  const float new_max = fmaxf(running_max, RowMax(chunk_max));
  const float shift = new_max * score_to_log2;
  const float correction = Exp2(fmaf(running_max, score_to_log2, -shift));
  running_max = new_max;
  float chunk_sum = 0.0f;
#pragma unroll
  for (int n = 0; n < 2; ++n) {
#pragma unroll
    for (int c = 2 * half; c < 2 * half + 2; ++c) {
      scores[n][c] = Exp2(fmaf(scores[n][c], score_to_log2, -shift));
      chunk_sum += scores[n][c];
    }
  }
  running_sum = fmaf(running_sum, correction, chunk_sum);
#pragma unroll
  for (int n = 0; n < kColumnTiles; ++n) {
    context[n][2 * half] *= correction;
    context[n][2 * half + 1] *= correction;
  }
}

/**
 * Grid: x the window's 16-query-head block, y the split of the frames, z the window. Writes, for each of its
 * query-heads, either the normalised context (one split) or the split's unnormalised context and its
 * (max · scale · log2 e, sum) for MergeAudioSplits.
 */
template <int kWarps, int kColumnTiles>
__global__ void __launch_bounds__(kWarps* kWarp) AudioAttentionKernel(const __half* __restrict__ folded,
                                                                      const __half* __restrict__ audio,
                                                                      int64_t queries_per_window,
                                                                      int64_t n_frames,
                                                                      int chunks_per_split,
                                                                      float score_to_log2,
                                                                      float* __restrict__ split_context,
                                                                      float2* __restrict__ split_stats,
                                                                      __half* __restrict__ context) {
  using Layout = AudioLayout<kWarps, kColumnTiles>;
  constexpr int kColumns = Layout::kColumns, kStride = Layout::kStride;
  constexpr int64_t kWidth = Layout::kWidth;
  constexpr int kDimSteps = kColumns / 16;
  extern __shared__ __align__(16) unsigned char shared[];
  const int warp = threadIdx.x / kWarp, lane = threadIdx.x % kWarp;
  const int group = lane / 4, place = lane % 4;  // g and t of the fragment layouts
  auto* tiles = reinterpret_cast<__half(*)[kChunkFrames][kStride]>(shared) + 2 * warp;  // this warp's two
  float* partial_scores = reinterpret_cast<float*>(shared + Layout::kFrameBytes);  // [warp][lane · 8 + i]
  float* scores_sum = partial_scores + kWarps * Layout::kScoreFloats;              // [lane · 8 + i]

  const int64_t window = blockIdx.z, first_query = static_cast<int64_t>(blockIdx.x) * kBlockQueries;
  const int split = blockIdx.y, n_splits = gridDim.y;
  const int n_queries =
      static_cast<int>(min(static_cast<int64_t>(kBlockQueries), queries_per_window - first_query));
  const int column0 = warp * kColumns;
  const __half* columns = audio + window * n_frames * kWidth + column0;
  const int n_chunks = static_cast<int>((n_frames + kChunkFrames - 1) / kChunkFrames);
  const int first_chunk = split * chunks_per_split;
  const int end_chunk = min(first_chunk + chunks_per_split, n_chunks);

  CopyChunkAsync<kColumnTiles, kStride>(columns, kWidth, static_cast<int64_t>(first_chunk) * kChunkFrames,
                                        n_frames, lane, tiles[0]);
  CommitCopies();

  // The block's queries, this warp's columns, as A fragments straight from memory (read once a block).
  const __half* query_rows = folded + (window * queries_per_window + first_query) * kWidth + column0;
  auto query_pair = [&](int row, int column) {
    return row < n_queries ? *reinterpret_cast<const uint32_t*>(query_rows + row * kWidth + column) : 0u;
  };
  uint32_t query[kDimSteps][4];
#pragma unroll
  for (int step = 0; step < kDimSteps; ++step) {
    const int column = step * 16 + 2 * place;
    query[step][0] = query_pair(group, column);
    query[step][1] = query_pair(group + 8, column);
    query[step][2] = query_pair(group, column + 8);
    query[step][3] = query_pair(group + 8, column + 8);
  }

  float output[kColumnTiles][4] = {};
  float running_max[2] = {-INFINITY, -INFINITY}, running_sum[2] = {0.0f, 0.0f};
  for (int chunk = first_chunk; chunk < end_chunk; ++chunk) {
    __half(*tile)[kStride] = tiles[(chunk - first_chunk) % 2];
    __syncwarp();  // the warp's lanes are done with the other buffer (the previous chunk) before it refills
    if (chunk + 1 < end_chunk) {
      CopyChunkAsync<kColumnTiles, kStride>(columns, kWidth, static_cast<int64_t>(chunk + 1) * kChunkFrames,
                                            n_frames, lane, tiles[(chunk + 1 - first_chunk) % 2]);
    }
    CommitCopies();
    WaitForCopies<1>();
    __syncwarp();  // every lane's copies of this chunk are in place

    // This warp's share of the chunk's scores: frames 0–7 (n-tile 0) and 8–15 (n-tile 1), its columns only.
    float scores[2][4] = {};
    const int frame_in_pair = lane % 8 + 8 * (lane / 16), column_in_step = 8 * ((lane / 8) % 2);
#pragma unroll
    for (int step = 0; step < kDimSteps; ++step) {
      uint32_t b[4];
      LoadMatrices(b, &tile[frame_in_pair][step * 16 + column_in_step]);
      MultiplyAdd(scores[0], query[step], b[0], b[1]);
      MultiplyAdd(scores[1], query[step], b[2], b[3]);
    }
    // The whole width's scores: every warp's shares summed in warp order (the same sum for every warp).
    float4* mine =
        reinterpret_cast<float4*>(partial_scores + warp * Layout::kScoreFloats + lane * kFragmentFloats);
    mine[0] = make_float4(scores[0][0], scores[0][1], scores[0][2], scores[0][3]);
    mine[1] = make_float4(scores[1][0], scores[1][1], scores[1][2], scores[1][3]);
    __syncthreads();
    for (int i = threadIdx.x; i < static_cast<int>(Layout::kScoreFloats); i += Layout::kThreads) {
      float sum = 0.0f;
#pragma unroll
      for (int w = 0; w < kWarps; ++w)
        sum += partial_scores[w * Layout::kScoreFloats + i];
      scores_sum[i] = sum;
    }
    __syncthreads();
    const float4 low = reinterpret_cast<const float4*>(scores_sum + lane * kFragmentFloats)[0];
    const float4 high = reinterpret_cast<const float4*>(scores_sum + lane * kFragmentFloats)[1];
    scores[0][0] = low.x, scores[0][1] = low.y, scores[0][2] = low.z, scores[0][3] = low.w;
    scores[1][0] = high.x, scores[1][1] = high.y, scores[1][2] = high.z, scores[1][3] = high.w;
    const int64_t frames_left = n_frames - static_cast<int64_t>(chunk) * kChunkFrames;
    if (frames_left < kChunkFrames) {  // the last chunk's padding frames weigh 0
#pragma unroll
      for (int n = 0; n < 2; ++n) {
#pragma unroll
        for (int c = 0; c < 4; ++c) {
          if (8 * n + 2 * place + c % 2 >= frames_left)
            scores[n][c] = -INFINITY;
        }
      }
    }
    SoftmaxStep(0, score_to_log2, scores, running_max[0], running_sum[0], output);
    SoftmaxStep(1, score_to_log2, scores, running_max[1], running_sum[1], output);

    // context += P · E (this warp's columns): P's A fragment is the scores' C fragments, as in
    // FlashAttention.
    const uint32_t weights[4] = {
        PackHalves(scores[0][0], scores[0][1]), PackHalves(scores[0][2], scores[0][3]),
        PackHalves(scores[1][0], scores[1][1]), PackHalves(scores[1][2], scores[1][3])};
    const int frame_in_step = lane % 8 + 8 * ((lane / 8) % 2), column_in_pair = 8 * (lane / 16);
#pragma unroll
    for (int pair = 0; pair < kColumnTiles / 2; ++pair) {
      uint32_t b[4];
      LoadMatricesTransposed(b, &tile[frame_in_step][pair * 16 + column_in_pair]);
      MultiplyAdd(output[2 * pair], weights, b[0], b[1]);
      MultiplyAdd(output[2 * pair + 1], weights, b[2], b[3]);
    }
  }

#pragma unroll
  for (int half = 0; half < 2; ++half) {
    const float sum = RowSum(running_sum[half]);  // every lane takes part in the shuffles
    const int row = group + 8 * half;
    if (row >= n_queries)
      continue;
    const int64_t query_row = window * queries_per_window + first_query + row;
    const int64_t column = column0 + 2 * place;
    if (n_splits == 1) {
      const float inverse = 1.0f / sum;  // ≥ 1: the max frame's weight is exp2(0)
      __half* out = context + query_row * kWidth + column;
#pragma unroll
      for (int n = 0; n < kColumnTiles; ++n) {
        *reinterpret_cast<__half2*>(out + 8 * n) =
            __floats2half2_rn(output[n][2 * half] * inverse, output[n][2 * half + 1] * inverse);
      }
      continue;
    }
    float* out = split_context + (query_row * n_splits + split) * kWidth + column;
#pragma unroll
    for (int n = 0; n < kColumnTiles; ++n)
      *reinterpret_cast<float2*>(out + 8 * n) = make_float2(output[n][2 * half], output[n][2 * half + 1]);
    if (warp == 0 && place == 0)
      split_stats[query_row * n_splits + split] = make_float2(running_max[half] * score_to_log2, sum);
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

/** The launch: 16-query-head blocks × splits × windows, and how many 16-frame chunks a split takes. */
struct AudioPlan {
  int query_blocks = 0;
  int n_splits = 1;
  int chunks_per_split = 0;
};

AudioPlan PlanFor(const AudioAttentionShape& shape, int concurrent_blocks) {
  AudioPlan plan;
  plan.query_blocks = static_cast<int>((shape.queries_per_window + kBlockQueries - 1) / kBlockQueries);
  const int64_t n_chunks = (shape.n_frames + kChunkFrames - 1) / kChunkFrames;
  const int64_t base = std::max<int64_t>(1, shape.n_windows * plan.query_blocks);
  // As many splits as keep one wave of blocks (a second, partial wave would leave most SMs idle).
  const int64_t wanted =
      std::clamp<int64_t>(concurrent_blocks / base, 1, std::min<int64_t>(kMaxSplits, n_chunks));
  plan.chunks_per_split = static_cast<int>((n_chunks + wanted - 1) / wanted);
  plan.n_splits = static_cast<int>((n_chunks + plan.chunks_per_split - 1) / plan.chunks_per_split);
  return plan;
}

}  // namespace

int AudioAttentionConcurrentBlocks(int64_t width) {
  int concurrent = 0;
  WithConfiguration(width, [&](auto warps, auto column_tiles) {
    using Layout = AudioLayout<decltype(warps)::value, decltype(column_tiles)::value>;
    const auto kernel = AudioAttentionKernel<decltype(warps)::value, decltype(column_tiles)::value>;
    int device = 0, optin = 0, multiprocessors = 0, per_multiprocessor = 0;
    if (cudaGetDevice(&device) != cudaSuccess ||
        cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device) != cudaSuccess ||
        cudaDeviceGetAttribute(&multiprocessors, cudaDevAttrMultiProcessorCount, device) != cudaSuccess ||
        static_cast<std::size_t>(optin) < Layout::kSharedBytes ||
        cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                             static_cast<int>(Layout::kSharedBytes)) != cudaSuccess ||
        cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_multiprocessor, kernel, Layout::kThreads,
                                                      Layout::kSharedBytes) != cudaSuccess) {
      (void)cudaGetLastError();  // a refusal here only means the GEMM path; it must not poison later checks
      return;
    }
    concurrent = multiprocessors * per_multiprocessor;
  });
  return concurrent;
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
  WithConfiguration(shape.width, [&](auto warps, auto column_tiles) {
    using Layout = AudioLayout<decltype(warps)::value, decltype(column_tiles)::value>;
    const dim3 grid(static_cast<unsigned>(plan.query_blocks), static_cast<unsigned>(plan.n_splits),
                    static_cast<unsigned>(shape.n_windows));
    AudioAttentionKernel<decltype(warps)::value, decltype(column_tiles)::value>
        <<<grid, Layout::kThreads, Layout::kSharedBytes, cuda_stream>>>(
            OnDevice(folded), OnDevice(audio), shape.queries_per_window, shape.n_frames,
            plan.chunks_per_split, score_scale * kLog2E, split_context, split_stats, OnDevice(context));
  });
  if (plan.n_splits > 1) {
    MergeAudioSplits<<<static_cast<unsigned>(rows), 128, 0, cuda_stream>>>(
        split_context, split_stats, plan.n_splits, shape.width, OnDevice(context));
  }
}

}  // namespace verbatim::cuda_kernels
