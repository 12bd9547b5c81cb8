// Argument checks every backend makes the same way: where a tensor lives, its dtype, rank and size, and the
// shapes and ranges of the operations whose arguments relate to each other. A failure is Error kBackend for a
// tensor on the wrong device and kInternal for a shape (a caller's bug), naming the operation and the values.
#pragma once

#include <cstdint>

#include "backend/backend.h"
#include "tensor/tensor.h"

namespace verbatim {

/** Throws kBackend unless `tensor` is on `device` ("… is not in CPU memory" / "GPU memory"). */
void CheckOnDevice(const Tensor& tensor, Device device, const char* operation, const char* what);
/** On `device` and f32. */
void CheckF32(const Tensor& tensor, Device device, const char* operation, const char* what);
void CheckRank(const Tensor& tensor, int rank, const char* operation, const char* what);
void CheckElements(const Tensor& tensor, int64_t expected, const char* operation, const char* what);
/** The number of rows of `width` elements in `tensor`. */
int64_t RowsOf(const Tensor& tensor, int64_t width, const char* operation, const char* what);

/** The dtypes a backend takes for KV-cache operands: f32 only, or f16 as well (Backend::kv_cache_dtype()). */
enum class KvCacheDTypes { kF32Only, kF32OrF16 };
/**
 * On `device` and f32, or f16 where `caches` allows it: an f16 tensor on a backend of kF32Only fails with
 * kBackend, any other dtype with kInternal.
 */
void CheckCacheOperand(
    const Tensor& tensor, KvCacheDTypes caches, Device device, const char* operation, const char* what);

/** The dtypes a backend takes for a layer's intermediates: f32 only, or f16 as well (intermediate_dtype()).
 */
enum class IntermediateDTypes { kF32Only, kF32OrF16 };
/**
 * On `device` and f32, or f16 where `intermediates` allows it: an f16 tensor on a backend of kF32Only fails
 * with kBackend, any other dtype with kInternal.
 */
void CheckIntermediate(const Tensor& tensor,
                       IntermediateDTypes intermediates,
                       Device device,
                       const char* operation,
                       const char* what);

/**
 * Linear's x, weight, bias and out (all on `device`; an f16 out is a cache, with kStore, or an intermediate
 * from an f16 x, with kStore or kGelu): returns {m, n, k}.
 */
struct LinearShape {
  int64_t m, n, k;
};
LinearShape CheckLinear(const Tensor& x,
                        const Tensor& weight,
                        const Tensor& bias,
                        LinearEpilogue epilogue,
                        const Tensor& out,
                        Device device,
                        KvCacheDTypes caches,
                        IntermediateDTypes intermediates,
                        const char* operation);

/** LayerNorm's tensors (x f32; out f32, or f16 where `intermediates` allows): returns the number of rows. */
int64_t CheckLayerNorm(const Tensor& x,
                       const Tensor& gain,
                       const Tensor& offset,
                       const Tensor& out,
                       Device device,
                       IntermediateDTypes intermediates,
                       const char* operation);

/** Transpose's x [B, R, C] and out. */
void CheckTranspose(const Tensor& x, const Tensor& out, Device device, const char* operation);

/**
 * LogMel's tensors: samples [B, kWindowSamples] and out [B, n_mels, kWindowFrames], both f32 (kInternal
 * otherwise), and n_mels 80 or 128 (kInvalidArg). Returns B.
 */
int64_t CheckLogMel(
    const Tensor& samples, int n_mels, const Tensor& out, Device device, const char* operation);

/** EmbedTokens' table and out, and every token against the vocabulary (kInvalidArg): returns the token count.
 */
int64_t CheckEmbedTokens(
    const int32_t* tokens, const Tensor& table, const Tensor& out, Device device, const char* operation);

/** Conv1dGelu's tensors and stride: returns the number of output frames. */
int64_t CheckConv1dGelu(const Tensor& x,
                        const Tensor& weight,
                        const Tensor& bias,
                        int stride,
                        const Tensor& out,
                        Device device,
                        const char* operation);

/** AddPositionalEmbedding's tensors and each sequence's positions against the table's length. */
void CheckPositionalEmbedding(
    const Tensor& table, const int* first_positions, const Tensor& x, Device device, const char* operation);

/**
 * Attention's q, k, v, out, heads and cache lengths (see Backend::Attention; k and v of one dtype, q and out
 * of one dtype, and an f16 q comes with f16 k and v).
 */
void CheckAttention(const Tensor& q,
                    const Tensor& k,
                    const Tensor& v,
                    int n_heads,
                    const int* past_lengths,
                    const Tensor& out,
                    Device device,
                    KvCacheDTypes caches,
                    IntermediateDTypes intermediates,
                    const char* operation);

/** CopyRows' tensors (f32 → f32, f32 → f16, f16 → f16) and every sequence's source and destination rows. */
void CheckCopyRows(const Tensor& src,
                   const int* src_first_rows,
                   int n_rows,
                   const int* dst_first_rows,
                   const Tensor& dst,
                   Device device,
                   KvCacheDTypes caches,
                   const char* operation);

}  // namespace verbatim
