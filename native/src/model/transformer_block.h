// The pieces of a pre-LN transformer block that Whisper's encoder and decoder share.
#pragma once

#include "backend/backend.h"
#include "model/whisper_weights.h"
#include "tensor/tensor.h"

namespace verbatim {

/** out = x · Wᵀ + b; `out` may be an f16 KV cache (Backend::Linear). */
inline void Project(Backend& backend, const Tensor& x, const LinearWeights& linear, Tensor& out) {
  backend.Linear(x, linear.weight, linear.bias, LinearEpilogue::kStore, out);
}

/**
 * x += fc2(gelu(fc1(LayerNorm(x)))).
 * @param normed workspace shaped like x. @param hidden workspace of 4× x's width.
 */
void AddMlp(Backend& backend,
            const LayerNormWeights& norm,
            const MlpWeights& mlp,
            Tensor& x,
            Tensor& normed,
            Tensor& hidden);

}  // namespace verbatim
