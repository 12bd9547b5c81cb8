// FlashAttention on tensor cores for many-query, non-causal attention (the encoder's self-attention, and
// cross-attention over a prompt): 64 queries a block, 64-key tiles of K and V in shared memory, scores and
// softmax weights only ever one tile wide. Separate from cuda_kernels.h so that the exact kernels stay apart
// from this one, which rounds its operands to f16.
#pragma once

#include <cstdint>

#include "backend/cuda/cuda_kernels.h"

namespace verbatim::cuda_kernels {

/** Whether FlashAttention takes this shape: head_dim 64, at least 16 queries, no causal mask. */
bool FlashAttentionApplies(int64_t n_queries, int64_t d_model, int n_heads, bool causal);

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
void FlashAttention(
    const AttentionShape& shape, const Q* q, const KV* k, const KV* v, Out* out, void* stream);

}  // namespace verbatim::cuda_kernels
