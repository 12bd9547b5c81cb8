// The CUDA backend's kernels behind plain C++ signatures, so that only cuda_kernels.cu needs nvcc. Every
// launcher enqueues on `stream` (a cudaStream_t) and returns at once; pointers are device memory unless a
// name says host. Errors of a launch surface at the next CUDA call the backend checks.
#pragma once

#include <cstddef>
#include <cstdint>

namespace verbatim::cuda_kernels {

using Stream = void*;

/**
 * An f16 element as host code sees it: the bits of an IEEE half (__half in the kernels). KV caches of 16-bit
 * models are f16; a kernel templated on its cache element takes float or Half.
 */
using Half = uint16_t;

/** The most host ints an IntArray carries inside a kernel's launch parameters. */
constexpr int kInlineInts = 256;

/**
 * A small per-sequence int array from the host (positions, cache lengths, row offsets). Up to kInlineInts
 * values travel inside the launch parameters — copied when the kernel is launched, so there is no
 * allocation, no upload, and the host array may change at once: a decoder step issues dozens of these.
 * Longer arrays go through device memory (`device`). Not `present`: the caller passed no array.
 */
struct IntArray {
  bool present = false;
  const int32_t* device = nullptr;  // used when not null
  int32_t values[kInlineInts];
};

/** `host[0, n)` inline when it fits (device stays null); otherwise the caller uploads and sets `device`. */
IntArray InlineInts(const int* host, int64_t n);

/** Narrow f32 activations for a tensor-core GEMM: out[i] = (f16 or bf16) in[i]. */
void F32ToF16(const float* in, uint16_t* out, int64_t n, Stream stream);
void F32ToBF16(const float* in, uint16_t* out, int64_t n, Stream stream);
/** Widen stored weights: out[i] = (float) in[i], `bf16` chooses the source format. */
void WidenToF32(const uint16_t* in, bool bf16, float* out, int64_t n, Stream stream);

/**
 * out[r, :] = softmax(scores[r, :]) for scores [rows, n] f32 (max subtracted, sums in f32): the middle of the
 * cross-attention over the audio (cuda_cross_attention.cc). `Out` float (may be `scores` itself) or Half
 * (rounded once, for the tensor-core GEMM after it).
 */
template <typename Out>
void SoftmaxRows(const float* scores, Out* out, int64_t rows, int64_t n, Stream stream);

/**
 * out[r, c] = (gelu)(out[r, c] + bias[c]) for out [rows, n]; `bias` may be null. `Out` float, or Half (the
 * sum in f32, rounded to f16 once more).
 */
template <typename Out>
void BiasEpilogue(Out* out, const float* bias, int64_t rows, int64_t n, bool gelu, Stream stream);

/**
 * Row-wise LayerNorm of x [rows, width] into out (which may be x when `Out` is float), statistics in f32.
 * `Out` float, or Half: a 16-bit model's normalised rows, which feed only an f16 GEMM, rounded once here.
 */
template <typename Out>
void LayerNorm(const float* x,
               const float* gain,
               const float* offset,
               float epsilon,
               int64_t rows,
               int64_t width,
               Out* out,
               Stream stream);

/** out[b, c, r] = x[b, r, c]. */
void Transpose(const float* x, int64_t n_batch, int64_t n_rows, int64_t n_columns, float* out, Stream stream);

/**
 * Whisper's kernel-3, padding-1 convolution as a matrix: columns[t, c · 3 + tap] = x[t · stride + tap − 1, c]
 * (zero outside) for one window x [n_in_frames, n_channels]. `Column` float, or Half (rounded: what an f16
 * GEMM would round them to anyway, in half the memory).
 */
template <typename Column>
void Im2Col3(const float* x,
             int64_t n_in_frames,
             int64_t n_channels,
             int stride,
             int64_t n_out_frames,
             Column* columns,
             Stream stream);

/** x[b, t] += table[first_positions[b] + t] (first_positions not present: 0) for x [B, T, D]. */
void AddPositional(const float* table,
                   const IntArray& first_positions,
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
 * The extents of one multi-head attention call, which every attention kernel takes: q and out [n_batch,
 * n_queries, d_model], k and v [n_batch, n_keys, d_model], n_heads heads side by side in d_model.
 */
struct AttentionShape {
  int64_t n_batch, n_queries, n_keys, d_model;
  int n_heads;
};

/**
 * Multi-head attention without materialising scores: one warp per (sequence, head, query) with an online
 * softmax over the keys it may see (all, or past_lengths[b] + query + 1 when past_lengths is not null).
 * head_dim ≤ 128. Exact in f32 but slow for many queries: the shapes the other kernels take
 * (SplitAttention here, FlashAttention in flash_attention.h) go to them. `KV` float, or Half (f16 caches,
 * widened as read; the arithmetic stays f32).
 */
template <typename KV>
void Attention(const AttentionShape& shape,
               const float* q,
               const KV* k,
               const KV* v,
               const IntArray& past_lengths,
               float* out,
               Stream stream);

/**
 * SplitAttention's kernels. kDecode (f16 K and V): a block per (sequence, head, up to 4 queries, share of
 * the keys) reads each key row once for all its queries, 8 lanes a row, many 16-byte loads in flight; the
 * keys are split into shares only when the batch alone does not fill the GPU, so a large batch's
 * cross-attention and short self-attention run as one kernel. kWarpShares (the first kernel, and the one
 * f32 K and V take): a warp per (sequence, head, query, share of at least 64 keys), a lane per key, and a
 * merge kernel. VERBATIM_CUDA_DECODE_ATTENTION=old selects kWarpShares in the backend, so that one run can
 * time both.
 */
enum class SplitKernel { kDecode, kWarpShares };

/** The kernel that SplitAttention runs when asked for `wanted`: f32 K and V always take kWarpShares. */
constexpr SplitKernel SplitKernelThatRuns(SplitKernel wanted, bool half_kv) {
  return half_kv ? wanted : SplitKernel::kWarpShares;
}

/**
 * Attention for a few queries over many keys (a decoder step: self-attention over the KV cache,
 * cross-attention over 1,500 audio frames), split over the keys so that the GPU fills up although there are
 * only batch · heads · queries rows ("flash decoding"), by `kernel` (SplitKernel). head_dim 64; q, k, v and
 * out 16-byte aligned. The launch configuration depends on the shape only, never on `past_lengths` (which
 * may be inline or in device memory), so a captured CUDA graph stays valid when the lengths change.
 * `partials` is scratch of SplitAttentionScratchFloats(…) floats. `KV` float, or Half: f16 caches read at
 * half the bytes (the step's cost is reading them), arithmetic in f32. Deterministic: the shares are
 * merged in a fixed order, without atomics.
 */
template <typename KV>
void SplitAttention(const AttentionShape& shape,
                    const float* q,
                    const KV* k,
                    const KV* v,
                    const IntArray& past_lengths,
                    float* partials,
                    float* out,
                    Stream stream,
                    SplitKernel kernel = SplitKernel::kDecode);
/** Whether SplitAttention takes this shape: head_dim 64, fewer than 16 queries. */
bool SplitAttentionApplies(int64_t n_queries, int64_t d_model, int n_heads);
/** Scratch floats SplitAttention needs for this shape, whichever kernel runs. */
int64_t SplitAttentionScratchFloats(const AttentionShape& shape);

/**
 * dst[b, dst_first[b] + i] = src[b, src_first[b] + i] for i < n_rows, rows of `width` elements, src [B,
 * T_src, width] and dst [B, T_dst, width]; one launch for the whole batch (a KV-cache append every layer and
 * step). float → float, float → Half (rounded to nearest: an f16 cache filled from f32 activations) and
 * Half → Half.
 */
template <typename Source, typename Destination>
void CopyRows(const Source* src,
              int64_t src_rows_per_batch,
              const IntArray& src_first,
              Destination* dst,
              int64_t dst_rows_per_batch,
              const IntArray& dst_first,
              int64_t n_batch,
              int64_t n_rows,
              int64_t width,
              Stream stream);

/** Device scratch ArgMaxRows needs for this shape (each row's shares' bests). */
std::size_t ArgMaxScratchBytes(int64_t n_rows, int64_t n_columns);
/**
 * out[r] = the first column holding row r's largest value, for x [n_rows, n_columns]: each row split into
 * shares over enough blocks to fill the GPU, then the shares' bests merged (ties: the smaller column).
 */
void ArgMaxRows(
    const float* x, int64_t n_rows, int64_t n_columns, void* scratch, int32_t* out, Stream stream);

}  // namespace verbatim::cuda_kernels
