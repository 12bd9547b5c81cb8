// The kernels of the CUDA backend's cross-attention over the audio (cuda_cross_attention.cc) besides its
// GEMMs: the softmax between the two that read the audio, and the audio's transposed copy that the second
// reads.
#pragma once

#include <cstdint>

#include "backend/cuda/cuda_kernels.h"

namespace verbatim::cuda_kernels {

/**
 * out[r, 0:n] = softmax(scores[r, :]) for scores [rows, n] f32: max subtracted, exponentials summed in f32;
 * out's rows are `out_stride` (≥ n) apart and their columns [n, out_stride) are zeroed (a GEMM's K padding).
 * `Out` float (may be `scores` itself, out_stride = n) or Half (rounded once, for a tensor-core GEMM).
 */
template <typename Out>
void SoftmaxRows(const float* scores, Out* out, int64_t rows, int64_t n, int64_t out_stride, Stream stream);

/**
 * out[b, c, t] = (f16) x[b, t, c] for x [batch, frames, width] f32 and out [batch, width, padded_frames]
 * (padded_frames ≥ frames; columns beyond `frames` are zeroed): a window's audio as the rows of the second
 * GEMM's weight, its K (the frames) padded to the GEMM's chunk.
 */
void TransposeToHalfPadded(const float* x,
                           int64_t batch,
                           int64_t frames,
                           int64_t width,
                           int64_t padded_frames,
                           Half* out,
                           Stream stream);

}  // namespace verbatim::cuda_kernels
