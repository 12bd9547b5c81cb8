// The CPU backend's multi-head scaled dot-product attention (see Backend::Attention for the contract).
#pragma once

#include <cstdint>

#include "backend/cpu/cpu_context.h"

namespace verbatim {

/** Where the operands of one attention call live and how they are shaped. */
struct AttentionShape {
  int64_t n_batch = 0;
  int64_t n_queries = 0;  // T_q: query rows per sequence
  int64_t n_keys = 0;     // T_k: key/value rows per sequence (a KV cache's capacity when causal)
  int64_t d_model = 0;    // n_heads · head_dim
  int n_heads = 0;
};

/**
 * out[B, T_q, D] = softmax(q kᵀ / sqrt(head_dim) + mask) v for q [B, T_q, D] and k, v [B, T_k, D].
 * @param past_lengths nullptr (no mask) or B entries: query i of sequence b sees keys [0, past_lengths[b] +
 * i]; past_lengths[b] + T_q must not exceed T_k. Works on blocks of query rows per (sequence, head), so it
 * never holds more than a block of scores per thread (not T_q × T_k). Parallel over the context's pool; call
 * from outside its tasks.
 */
void CpuAttention(CpuContext& context,
                  const AttentionShape& shape,
                  const float* q,
                  const float* k,
                  const float* v,
                  const int* past_lengths,
                  float* out);

}  // namespace verbatim
