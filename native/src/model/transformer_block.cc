#include "model/transformer_block.h"

namespace verbatim {

void AddMlp(Backend& backend,
            const LayerNormWeights& norm,
            const MlpWeights& mlp,
            Tensor& x,
            Tensor& normed,
            Tensor& hidden) {
  backend.LayerNorm(x, norm.gain, norm.offset, normed);
  backend.Linear(normed, mlp.fc1.weight, mlp.fc1.bias, LinearEpilogue::kGelu, hidden);
  backend.Linear(hidden, mlp.fc2.weight, mlp.fc2.bias, LinearEpilogue::kAccumulate, x);
}

}  // namespace verbatim
