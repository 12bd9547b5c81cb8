// Softmax over the rows of a matrix of scores: the middle of the CUDA backend's cross-attention over the
// audio (cuda_cross_attention.cc), between the two GEMMs that read the audio.
#pragma once

#include <cstdint>

#include "backend/cuda/cuda_kernels.h"

namespace verbatim::cuda_kernels {

/**
 * out[r, :] = softmax(scores[r, :]) for scores [rows, n] f32: max subtracted, exponentials summed in f32.
 * `Out` float (may be `scores` itself) or Half (rounded once, for a tensor-core GEMM after it).
 */
template <typename Out>
void SoftmaxRows(const float* scores, Out* out, int64_t rows, int64_t n, Stream stream);

}  // namespace verbatim::cuda_kernels
