// Per (sequence, head, block of query rows): scores = q kᵀ · scale over the keys the block can see, a masked
// softmax per row, then the block's output = scores · v. Large blocks (the encoder's 1500 × 1500, teacher
// forcing) use sgemm for both products; a few rows (a decoder step) use the SIMD rows_dot and
// weighted_row_sum kernels, which do not pay sgemm's packing for a single query.
#include "backend/cpu/cpu_attention.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>

namespace verbatim {
namespace {

// 64 query rows × 1500 keys of scores is 375 KB: it stays in L2 between the two products.
constexpr int64_t kQueryBlockRows = 64;
// From this many query rows on, sgemm's packing pays off against row-by-row dot products.
constexpr int64_t kMinRowsForGemm = 8;

/** One task's slice: a block of query rows of one head of one sequence. */
struct HeadBlock {
  // The block's first query row, key row, value row and output row, at this head's columns; rows of each are
  // d_model floats apart.
  const float* q;
  const float* k;
  const float* v;
  float* out;
  int64_t n_rows;
  bool causal;
  // Causal: keys visible to the block's first row (row i sees first_visible + i). Unmasked: all keys.
  int64_t first_visible;
  // Keys visible to the block's last row: the width of its scores.
  int64_t n_keys;
};

int64_t VisibleKeys(const HeadBlock& block, int64_t row) {
  return block.causal ? block.first_visible + row : block.n_keys;
}

void ScoresByGemm(const HeadBlock& block, int64_t head_dim, int64_t d_model, float scale, float* scores) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(block.n_rows),
              static_cast<int>(block.n_keys), static_cast<int>(head_dim), scale, block.q,
              static_cast<int>(d_model), block.k, static_cast<int>(d_model), 0.0f, scores,
              static_cast<int>(block.n_keys));
}

void ScoresByRowsDot(const SimdKernels& kernels,
                     const HeadBlock& block,
                     int64_t head_dim,
                     int64_t d_model,
                     float scale,
                     float* scaled_query,
                     float* scores) {
  for (int64_t row = 0; row < block.n_rows; ++row) {
    // Scale the query rather than the scores, as transformers does.
    const float* query = block.q + row * d_model;
    for (int64_t d = 0; d < head_dim; ++d)
      scaled_query[d] = query[d] * scale;
    const int64_t visible = VisibleKeys(block, row);
    kernels.rows_dot_f32(scaled_query, 1, head_dim, block.k, d_model, visible, scores + row * block.n_keys,
                         visible);
  }
}

/** Softmax over each row's visible keys; the rest become exactly 0, so the next product may span them. */
void MaskedSoftmax(const SimdKernels& kernels, const HeadBlock& block, float* scores) {
  for (int64_t row = 0; row < block.n_rows; ++row) {
    float* row_scores = scores + row * block.n_keys;
    const int64_t visible = VisibleKeys(block, row);
    kernels.softmax(row_scores, visible);
    std::fill(row_scores + visible, row_scores + block.n_keys, 0.0f);
  }
}

void OutputByGemm(const HeadBlock& block, int64_t head_dim, int64_t d_model, const float* probabilities) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(block.n_rows),
              static_cast<int>(head_dim), static_cast<int>(block.n_keys), 1.0f, probabilities,
              static_cast<int>(block.n_keys), block.v, static_cast<int>(d_model), 0.0f, block.out,
              static_cast<int>(d_model));
}

void OutputByWeightedSum(const SimdKernels& kernels,
                         const HeadBlock& block,
                         int64_t head_dim,
                         int64_t d_model,
                         const float* probabilities) {
  for (int64_t row = 0; row < block.n_rows; ++row) {
    kernels.weighted_row_sum(probabilities + row * block.n_keys, VisibleKeys(block, row), block.v, d_model,
                             head_dim, block.out + row * d_model);
  }
}

}  // namespace

void CpuAttention(CpuContext& context,
                  const AttentionShape& shape,
                  const float* q,
                  const float* k,
                  const float* v,
                  const int* past_lengths,
                  float* out) {
  const int64_t head_dim = shape.d_model / shape.n_heads;
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  const int64_t n_blocks = (shape.n_queries + kQueryBlockRows - 1) / kQueryBlockRows;
  const int64_t n_tasks = shape.n_batch * shape.n_heads * n_blocks;
  const SimdKernels& kernels = context.kernels();
  context.ParallelFor(n_tasks, [&](int64_t task, int worker) {
    const int64_t sequence = task / (shape.n_heads * n_blocks);
    const int64_t head = task / n_blocks % shape.n_heads;
    const int64_t first_query = task % n_blocks * kQueryBlockRows;
    const int64_t query_offset = (sequence * shape.n_queries + first_query) * shape.d_model + head * head_dim;
    const int64_t key_offset = sequence * shape.n_keys * shape.d_model + head * head_dim;
    HeadBlock block;
    block.q = q + query_offset;
    block.k = k + key_offset;
    block.v = v + key_offset;
    block.out = out + query_offset;
    block.n_rows = std::min(kQueryBlockRows, shape.n_queries - first_query);
    block.causal = past_lengths != nullptr;
    block.first_visible = block.causal ? past_lengths[sequence] + first_query + 1 : shape.n_keys;
    block.n_keys = block.causal ? block.first_visible + block.n_rows - 1 : shape.n_keys;

    // Scratch: the block's scores, then one scaled query row.
    float* scores = context.Scratch(worker, static_cast<std::size_t>(block.n_rows * block.n_keys + head_dim));
    const bool use_gemm = block.n_rows >= kMinRowsForGemm;
    if (use_gemm) {
      ScoresByGemm(block, head_dim, shape.d_model, scale, scores);
    } else {
      ScoresByRowsDot(kernels, block, head_dim, shape.d_model, scale, scores + block.n_rows * block.n_keys,
                      scores);
    }
    MaskedSoftmax(kernels, block, scores);
    if (use_gemm) {
      OutputByGemm(block, head_dim, shape.d_model, scores);
    } else {
      OutputByWeightedSum(kernels, block, head_dim, shape.d_model, scores);
    }
  });
}

}  // namespace verbatim
