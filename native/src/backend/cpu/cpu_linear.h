// The CPU backend's GEMM: out[M, N] (=, gelu =, +=) x[M, K] · W[N, K]ᵀ + bias, W f32, f16 or bf16, in f32.
#pragma once

#include <cstdint>

#include "backend/backend.h"
#include "backend/cpu/cpu_context.h"
#include "tensor/tensor.h"

namespace verbatim {

/**
 * @param x m rows of k floats. @param weight [N, k] on the CPU, f32 / f16 / bf16, used in place.
 * @param bias N floats or nullptr. @param out m rows of N floats; must not overlap x.
 * Parallel over the context's pool; call from outside its tasks.
 */
void CpuLinear(CpuContext& context,
               const float* x,
               int64_t m,
               int64_t k,
               const Tensor& weight,
               const float* bias,
               LinearEpilogue epilogue,
               float* out);

}  // namespace verbatim
