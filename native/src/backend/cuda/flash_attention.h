// FlashAttention on tensor cores for many-query, non-causal attention (the encoder's self-attention, and
// cross-attention over a prompt): 64 queries a block, 64-key tiles of K and V in shared memory, scores and
// softmax weights only ever one tile wide, held in registers (flash_attention_mma.cu) or, in the older
// kernel kept as a fallback, staged through shared memory (flash_attention.cu). Separate from
// cuda_kernels.h so that the exact kernels stay apart from these, which round their operands to f16.
#pragma once

#include <cstdint>

#include "backend/cuda/cuda_kernels.h"

namespace verbatim::cuda_kernels {

/** Whether FlashAttention takes this shape: head_dim 64, at least 16 queries, no causal mask. */
bool FlashAttentionApplies(int64_t n_queries, int64_t d_model, int n_heads, bool causal);

/**
 * The two FlashAttention kernels: kRegisters keeps scores and softmax weights in registers (raw mma.sync;
 * flash_attention_mma.cu) and takes f16 K and V only; kSharedMemory (WMMA, staging S, P and P·V through
 * shared memory) takes every element type. kRegisters is the default; VERBATIM_CUDA_FLASH=old selects the
 * other in the backend, so that one run can time both.
 */
enum class FlashKernel { kRegisters, kSharedMemory };

/** The kernel that FlashAttention runs when asked for `wanted`: f32 K and V always take kSharedMemory. */
constexpr FlashKernel FlashKernelThatRuns(FlashKernel wanted, bool half_kv) {
  return half_kv ? wanted : FlashKernel::kSharedMemory;
}

/**
 * out = softmax(q·kᵀ/sqrt(64))·v per (sequence, head) on tensor cores: q and out [B, T, D] (heads side by
 * side in D, D = n_heads·64, row-major contiguous), k and v [B, T_k, D]; f16 operands, f32 accumulation and
 * softmax. Element types: q, k, v and out f32; q and out f32 over f16 k and v (`KV` Half: a KV cache,
 * loaded as it is); or all four f16 (a 16-bit model's encoder intermediates: out rounded to f16 once). q, k,
 * v and out must be 16-byte aligned (any allocation is, and so is any view that starts at a whole row); with
 * no keys, out is 0. Enqueued on `stream` (a cudaStream_t passed as void*); returns at once, and a launch
 * error surfaces at the next CUDA call the caller checks.
 */
template <typename Q, typename KV, typename Out>
void FlashAttention(const AttentionShape& shape,
                    const Q* q,
                    const KV* k,
                    const KV* v,
                    Out* out,
                    void* stream,
                    FlashKernel kernel = FlashKernel::kRegisters);

/**
 * FlashAttention's kRegisters kernel over f16 K and V: q and out both f16 or both f32. Any n_queries and
 * n_keys (a partial last query block or key tile is padded with zeros and masked).
 */
template <typename Q, typename Out>
void RegisterFlashAttention(
    const AttentionShape& shape, const Q* q, const Half* k, const Half* v, Out* out, void* stream);

}  // namespace verbatim::cuda_kernels
