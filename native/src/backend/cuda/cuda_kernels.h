// The CUDA backend's kernels behind plain C++ signatures, so that only cuda_kernels.cu needs nvcc. Every
// launcher enqueues on `stream` (a cudaStream_t) and returns at once; pointers are device memory unless a
// name says host. Errors of a launch surface at the next CUDA call the backend checks.
#pragma once

#include <cstdint>

namespace verbatim::cuda_kernels {

using Stream = void*;

/** Narrow f32 activations for a tensor-core GEMM: out[i] = (f16 or bf16) in[i]. */
void F32ToF16(const float* in, uint16_t* out, int64_t n, Stream stream);
void F32ToBF16(const float* in, uint16_t* out, int64_t n, Stream stream);
/** Widen stored weights: out[i] = (float) in[i], `bf16` chooses the source format. */
void WidenToF32(const uint16_t* in, bool bf16, float* out, int64_t n, Stream stream);

/** out[r, c] = (gelu)(out[r, c] + bias[c]) for out [rows, n]; `bias` may be null. */
void BiasEpilogue(float* out, const float* bias, int64_t rows, int64_t n, bool gelu, Stream stream);

/** Row-wise LayerNorm of x [rows, width] into out (which may be x). */
void LayerNorm(const float* x,
               const float* gain,
               const float* offset,
               float epsilon,
               int64_t rows,
               int64_t width,
               float* out,
               Stream stream);

/** out[b, c, r] = x[b, r, c]. */
void Transpose(const float* x, int64_t n_batch, int64_t n_rows, int64_t n_columns, float* out, Stream stream);

/**
 * Whisper's kernel-3, padding-1 convolution as a matrix: columns[t, c · 3 + tap] = x[t · stride + tap − 1, c]
 * (zero outside) for one window x [n_in_frames, n_channels].
 */
void Im2Col3(const float* x,
             int64_t n_in_frames,
             int64_t n_channels,
             int stride,
             int64_t n_out_frames,
             float* columns,
             Stream stream);

/** x[b, t] += table[first_positions[b] + t] (first_positions null: 0) for x [B, T, D]. */
void AddPositional(const float* table,
                   const int32_t* first_positions,
                   int64_t n_batch,
                   int64_t n_frames,
                   int64_t width,
                   float* x,
                   Stream stream);

/** out[i] = table[tokens[i]] widened to f32; `dtype`: 0 f32, 1 f16, 2 bf16. */
void EmbedTokens(const int32_t* tokens,
                 const void* table,
                 int dtype,
                 int64_t n_tokens,
                 int64_t width,
                 float* out,
                 Stream stream);

/**
 * Multi-head attention without materialising scores: one warp per (sequence, head, query) with an online
 * softmax over the keys it may see (all, or past_lengths[b] + query + 1 when past_lengths is not null).
 * head_dim ≤ 128. `tiled`, where TiledAttentionApplies: 64 queries a block over shared-memory tiles of K and
 * V instead of one warp a query (not yet checked on a GPU: off unless VERBATIM_CUDA_ATTENTION=tiled).
 */
void Attention(const float* q,
               const float* k,
               const float* v,
               int64_t n_batch,
               int64_t n_queries,
               int64_t n_keys,
               int64_t d_model,
               int n_heads,
               const int32_t* past_lengths,
               float* out,
               Stream stream,
               bool tiled = false);

/** Whether the tiled kernel takes this shape: head_dim 64 and at least 16 queries (the encoder, a prompt). */
bool TiledAttentionApplies(int64_t n_queries, int64_t d_model, int n_heads);

}  // namespace verbatim::cuda_kernels
