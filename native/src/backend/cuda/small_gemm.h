// A GEMM for the decoder step's few rows: out[M, N] (= or +=) x[M, K] · W[N, K]ᵀ (+ bias, GELU) for M ≤ 64,
// f16 weights. Such a product is a pass over the weights — large-v3's 16-row step reads 46 MB of them a
// layer — and cuBLAS spreads an M = 16 GEMM over too few blocks to stream them at the GPU's bandwidth (~8 µs
// for a 1280 × 1280 matrix that takes < 1 µs to read). Here a block owns 8, 16 or 32 output columns and its
// warps split K, so that even a 1280-column GEMM has many blocks and every SM loads in flight; each weight
// element is read once for all M rows (tensor cores, mma.sync m16n8k16), x once a block, and bias, exact GELU
// and the residual add happen before the single store.
#pragma once

#include <cstdint>

#include "backend/cuda/cuda_kernels.h"

namespace verbatim::cuda_kernels {

/** The most rows SmallGemm takes (four m16 tiles). */
constexpr int64_t kSmallGemmRows = 64;

/** Whether SmallGemm takes this shape: 1 ≤ m ≤ 64, k a multiple of 32 (its 32-wide chunks of K). */
bool SmallGemmApplies(int64_t m, int64_t k);

/** What SmallGemm does with y = x · Wᵀ + bias. */
enum class SmallGemmEpilogue { kStore, kGelu, kAccumulate };

/**
 * out[M, N] = y, gelu(y) (Whisper's exact erf GELU) or out += y, with y summed in f32. x is f16, or f32
 * (rounded to f16 as it is read, as a conversion kernel would); out f32, or f16 (kStore and kGelu: rounded
 * once). `bias` (f32, N) may be null. Deterministic: the warps' partial sums are added in a fixed order.
 */
template <typename X, typename Out>
void SmallGemm(const X* x,
               const Half* weight,
               const float* bias,
               int64_t m,
               int64_t n,
               int64_t k,
               SmallGemmEpilogue epilogue,
               Out* out,
               Stream stream);

}  // namespace verbatim::cuda_kernels
