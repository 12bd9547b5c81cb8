// SmallGemm (small_gemm.h): a block per 8 output columns, its warps splitting K, one mma.sync m16n8k16 per
// 16 rows of x and 16 of K.
//
// A lane's 16-byte load of a weight row covers 8 consecutive k; the four lanes of a group (g = lane / 4,
// t = lane % 4) cover 32, so a warp reads 64 contiguous bytes of each of 8 rows per load — whole sectors.
// The mma's fragment layout (see flash_attention_mma.cu) wants lane t to hold k = 2t, 2t+1 and 2t+8, 2t+9
// of each 16-wide k-step, not 8 consecutive ones. A dot product does not care in which order its k come, as
// long as x and W agree: so the two k-steps of a 32-wide chunk take, for lane t, its physical k t·8 + 0…3
// and t·8 + 4…7, as logical k 2t, 2t+1, 2t+8, 2t+9 — the same permutation for x's A fragments (read with the
// same 16-byte loads of x's rows) and W's B fragments. Each k of the chunk is used exactly once.

#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "backend/cuda/device_elements.cuh"
#include "backend/cuda/small_gemm.h"

namespace verbatim::cuda_kernels {
namespace {

constexpr int kWarp = 32;
constexpr int kColumns = 8;     // a block's output columns: one mma n-tile
constexpr int kChunk = 32;      // k a group of four lanes covers with one 16-byte load each
constexpr int kTileRows = 16;   // an mma's m
constexpr int kMostWarps = 16;  // a block's warps, each on its own share of K
constexpr int kTileOutputs = kTileRows * kColumns;

/** 8 elements of x from `row` (k consecutive) as 8 halves, or zeros when !`valid` (a row past M). */
__device__ uint4 LoadEight(const __half* row, bool valid) {
  return valid ? *reinterpret_cast<const uint4*>(row) : make_uint4(0, 0, 0, 0);
}
__device__ uint4 LoadEight(const float* row, bool valid) {
  if (!valid)
    return make_uint4(0, 0, 0, 0);
  const float4 low = reinterpret_cast<const float4*>(row)[0];
  const float4 high = reinterpret_cast<const float4*>(row)[1];
  // Rounded to nearest, as the f32 → f16 conversion kernel rounds a GEMM's input.
  const __half2 pairs[4] = {__floats2half2_rn(low.x, low.y), __floats2half2_rn(low.z, low.w),
                            __floats2half2_rn(high.x, high.y), __floats2half2_rn(high.z, high.w)};
  return *reinterpret_cast<const uint4*>(pairs);
}

/** d += a · b for one m16n8k16 tile, f16 operands, f32 sums. */
__device__ void Mma(
    float (&d)[4], uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
}

/**
 * Block b: columns 8·kNTiles·b onwards, kNTiles mma n-tiles of 8. Warp w sums chunks [w · per_warp,
 * (w + 1) · per_warp) of K for kTiles tiles of 16 rows: each weight load serves every row tile, and each
 * load of x every n-tile — a block of 32 columns reads x once for all of them, where a block of 8 would
 * read it four times over (x's re-reads, not the weights, bounded the logits' GEMM). The warps' sums meet
 * in shared memory; the block's threads add them in warp order, apply the epilogue and store.
 */
template <typename X, typename Out, int kTiles, int kNTiles>
// 16 warps a block at most: ≤ 128 registers a thread, so that a whole block fits an SM's 64 K registers.
__global__ void __launch_bounds__(kMostWarps* kWarp) SmallGemmKernel(const X* x,
                                                                     const __half* weight,
                                                                     const float* bias,
                                                                     int m,
                                                                     int n,
                                                                     int k,
                                                                     SmallGemmEpilogue epilogue,
                                                                     int per_warp,
                                                                     Out* out) {
  // Chunks a lane loads ahead, within its registers: 4·kNTiles for weights, 8·kTiles for x, per chunk.
  constexpr int kUnroll = kTiles * 2 + kNTiles <= 4 ? 4 : kTiles * 2 + kNTiles <= 8 ? 2 : 1;
  constexpr int kBlockColumns = kColumns * kNTiles;
  extern __shared__ float partials[];  // [warp][tile][n-tile][16 rows][8 columns]
  const int warp = threadIdx.x / kWarp, lane = threadIdx.x % kWarp;
  const int g = lane / 4, t = lane % 4;
  const int first_column = blockIdx.x * kBlockColumns;
  const int n_chunks = k / kChunk;
  const int first = warp * per_warp, last = min(first + per_warp, n_chunks);
  const __half* weight_rows[kNTiles];
  bool column_valid[kNTiles];
#pragma unroll
  for (int nt = 0; nt < kNTiles; ++nt) {
    const int column = first_column + nt * kColumns + g;
    column_valid[nt] = column < n;
    weight_rows[nt] = weight + static_cast<int64_t>(column_valid[nt] ? column : 0) * k + t * 8;
  }
  const X* x_lane = x + t * 8;

  float sums[kTiles][kNTiles][4] = {};
  for (int chunk = first; chunk < last; chunk += kUnroll) {
    uint4 w[kUnroll][kNTiles], upper[kUnroll][kTiles], lower[kUnroll][kTiles];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const bool in_share = chunk + u < last;
      const int64_t at = static_cast<int64_t>(chunk + u) * kChunk;
#pragma unroll
      for (int nt = 0; nt < kNTiles; ++nt) {
        w[u][nt] = in_share && column_valid[nt] ? *reinterpret_cast<const uint4*>(weight_rows[nt] + at)
                                                : make_uint4(0, 0, 0, 0);
      }
#pragma unroll
      for (int tile = 0; tile < kTiles; ++tile) {
        const int row = tile * kTileRows + g;  // and row + 8
        upper[u][tile] = LoadEight(x_lane + static_cast<int64_t>(row) * k + at, in_share && row < m);
        lower[u][tile] = LoadEight(x_lane + static_cast<int64_t>(row + 8) * k + at, in_share && row + 8 < m);
      }
    }
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
#pragma unroll
      for (int tile = 0; tile < kTiles; ++tile) {
        const uint4 a = upper[u][tile], b = lower[u][tile];
#pragma unroll
        for (int nt = 0; nt < kNTiles; ++nt) {
          // Physical k t·8 + 0…3, then t·8 + 4…7, as the two k-steps' logical 2t, 2t+1, 2t+8, 2t+9.
          Mma(sums[tile][nt], a.x, b.x, a.y, b.y, w[u][nt].x, w[u][nt].y);
          Mma(sums[tile][nt], a.z, b.z, a.w, b.w, w[u][nt].z, w[u][nt].w);
        }
      }
    }
  }

#pragma unroll
  for (int tile = 0; tile < kTiles; ++tile) {
#pragma unroll
    for (int nt = 0; nt < kNTiles; ++nt) {
      float* mine = partials + ((warp * kTiles + tile) * kNTiles + nt) * kTileOutputs;
      mine[g * kColumns + 2 * t] = sums[tile][nt][0];  // row g, columns 2t and 2t + 1
      mine[g * kColumns + 2 * t + 1] = sums[tile][nt][1];
      mine[(g + 8) * kColumns + 2 * t] = sums[tile][nt][2];  // row g + 8
      mine[(g + 8) * kColumns + 2 * t + 1] = sums[tile][nt][3];
    }
  }
  __syncthreads();
  const int n_warps = blockDim.x / kWarp;
  constexpr int kWarpOutputs = kTiles * kNTiles * kTileOutputs;
  for (int i = threadIdx.x; i < kWarpOutputs; i += blockDim.x) {
    const int tile = i / (kNTiles * kTileOutputs), nt = i / kTileOutputs % kNTiles, within = i % kTileOutputs;
    const int row = tile * kTileRows + within / kColumns;
    const int col = first_column + nt * kColumns + within % kColumns;
    if (row >= m || col >= n)
      continue;
    float sum = 0.0f;
    for (int w = 0; w < n_warps; ++w)  // in warp order: the same sums every run
      sum += partials[w * kWarpOutputs + i];
    if (bias != nullptr)
      sum += bias[col];
    Out* target = out + static_cast<int64_t>(row) * n + col;
    if (epilogue == SmallGemmEpilogue::kAccumulate)
      sum += AsFloat(*target);
    else if (epilogue == SmallGemmEpilogue::kGelu)
      sum = Gelu(sum);
    *target = StoredAs<Out>(sum);
  }
}

/** A GEMM's operands as the kernels see them. */
template <typename X, typename Out>
struct Operands {
  const X* x;
  const __half* weight;
  const float* bias;
  int m, n, k;
  SmallGemmEpilogue epilogue;
  Out* out;
};

/**
 * Warps a block (splitting K, as many as keep their sums within 48 KB of shared memory, at most 16) and
 * n-tiles a block (x is read once a block: wider blocks read it fewer times, but fewer blocks have fewer
 * loads in flight). A warp's share of K is as short as the warps allow: its chunks are loaded one round after
 * another, and at 64 rows a round is a single chunk (kUnroll 1), so a share of 12 chunks was 12 memory
 * latencies.
 */
template <typename X, typename Out, int kTiles>
void Launch(const Operands<X, Out>& g, cudaStream_t stream) {
  constexpr int kTargetWarps = 132 * 4;  // an H100's or H200's SMs, 4 warps each
  constexpr int kSharedFloats = 48 * 1024 / sizeof(float);
  const int n_chunks = g.k / kChunk;
  auto blocks = [&](int n_tiles) { return (g.n + kColumns * n_tiles - 1) / (kColumns * n_tiles); };
  int n_tiles = kTiles, n_warps = 1, per_warp = n_chunks;
  // As wide as x's row tiles (measured on an H200: at 16 rows 8 columns a block beat 32 on every decoder
  // shape; at 32 rows 32 columns beat 8 on the logits' and the MLP's first layer), narrower where the GPU
  // would not be full.
  for (;; n_tiles /= 2) {
    const int most_warps = std::min(kMostWarps, kSharedFloats / (kTiles * n_tiles * kTileOutputs));
    per_warp = (n_chunks + most_warps - 1) / most_warps;
    n_warps = (n_chunks + per_warp - 1) / per_warp;
    if (n_tiles == 1 || blocks(n_tiles) * n_warps >= kTargetWarps)
      break;
  }
  const std::size_t shared =
      static_cast<std::size_t>(n_warps) * kTiles * n_tiles * kTileOutputs * sizeof(float);
  const dim3 grid(static_cast<unsigned>(blocks(n_tiles)));
  const int threads = n_warps * kWarp;
  auto launch = [&](auto kernel) {
    kernel<<<grid, threads, shared, stream>>>(g.x, g.weight, g.bias, g.m, g.n, g.k, g.epilogue, per_warp,
                                              g.out);
  };
  if (n_tiles == 4)
    launch(SmallGemmKernel<X, Out, kTiles, 4>);
  else if (n_tiles == 2)
    launch(SmallGemmKernel<X, Out, kTiles, 2>);
  else
    launch(SmallGemmKernel<X, Out, kTiles, 1>);
}

}  // namespace

bool SmallGemmApplies(int64_t m, int64_t k) {
  return m >= 1 && m <= kSmallGemmRows && k >= kChunk && k % kChunk == 0;
}

template <typename X, typename Out>
void SmallGemm(const X* x,
               const Half* weight,
               const float* bias,
               int64_t m,
               int64_t n,
               int64_t k,
               SmallGemmEpilogue epilogue,
               Out* out,
               Stream stream) {
  if (m == 0 || n == 0)
    return;
  using DeviceX = std::remove_const_t<std::remove_pointer_t<decltype(OnDevice(x))>>;
  using DeviceOut = std::remove_pointer_t<decltype(OnDevice(out))>;
  const Operands<DeviceX, DeviceOut> g{
      OnDevice(x),         OnDevice(weight),    bias,     static_cast<int>(m),
      static_cast<int>(n), static_cast<int>(k), epilogue, OnDevice(out)};
  const cudaStream_t s = static_cast<cudaStream_t>(stream);
  // The kernel for x's rows: one, two or four 16-row tiles.
  const int64_t tiles = (m + kTileRows - 1) / kTileRows;
  if (tiles == 1)
    Launch<DeviceX, DeviceOut, 1>(g, s);
  else if (tiles == 2)
    Launch<DeviceX, DeviceOut, 2>(g, s);
  else
    Launch<DeviceX, DeviceOut, 4>(g, s);
}

template void SmallGemm<Half, float>(
    const Half*, const Half*, const float*, int64_t, int64_t, int64_t, SmallGemmEpilogue, float*, Stream);
template void SmallGemm<Half, Half>(
    const Half*, const Half*, const float*, int64_t, int64_t, int64_t, SmallGemmEpilogue, Half*, Stream);
template void SmallGemm<float, float>(
    const float*, const Half*, const float*, int64_t, int64_t, int64_t, SmallGemmEpilogue, float*, Stream);
template void SmallGemm<float, Half>(
    const float*, const Half*, const float*, int64_t, int64_t, int64_t, SmallGemmEpilogue, Half*, Stream);

}  // namespace verbatim::cuda_kernels
