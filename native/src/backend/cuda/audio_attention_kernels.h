// The kernels of the CUDA backend's cross-attention over the audio (cuda_cross_attention.cc) around its two
// batched GEMMs: the queries folded through the key projection before them, a softmax between them, and the
// context through the value projection after them.
#pragma once

#include <cstdint>

#include "backend/cuda/cuda_kernels.h"

namespace verbatim::cuda_kernels {

/** The widest head and model FoldQueries and UnfoldContext take (Whisper: 64 and at most 1280). */
constexpr int kMostFoldHead = 128;
constexpr int64_t kMostFoldWidth = 10240;

/** A cross-attention's extents: n_queries rows of n_heads heads of `head` values (width = n_heads · head). */
struct FoldShape {
  int64_t n_queries = 0;
  int n_heads = 0;
  int head = 0;
  int64_t width = 0;
};

/**
 * folded[r, h, :] = q[r, h · head : (h + 1) · head] · key_weight[h · head : (h + 1) · head, :] for q
 * [n_queries, width] f32 and the key projection [width, width] (`W` float or Half): each head's query in the
 * audio's width. Sums in f32, in a fixed order; `Out` float or Half (rounded once).
 */
template <typename W, typename Out>
void FoldQueries(const float* q, const W* key_weight, const FoldShape& shape, Out* folded, Stream stream);

/**
 * out[r, h · head + j] = context[r, h, :] · value_weight[h · head + j, :] + value_bias[h · head + j] for
 * context [n_queries, n_heads, width] (`C` float or Half), the value projection [width, width] (`W` float or
 * Half) and out [n_queries, width] f32; value_bias may be null. Sums in f32, in a fixed order.
 */
template <typename C, typename W>
void UnfoldContext(const C* context,
                   const W* value_weight,
                   const float* value_bias,
                   const FoldShape& shape,
                   float* out,
                   Stream stream);

/**
 * out[r, :] = softmax(scores[r, :]) for scores [rows, n] f32: max subtracted, exponentials summed in f32.
 * `Out` float (may be `scores` itself) or Half (rounded once, for a tensor-core GEMM after it).
 */
template <typename Out>
void SoftmaxRows(const float* scores, Out* out, int64_t rows, int64_t n, Stream stream);

}  // namespace verbatim::cuda_kernels
