// Whisper's fixed encoder positional embedding, for layouts that do not store it (MLX computes it at load).
#pragma once

#include "tensor/tensor.h"

namespace verbatim {

/**
 * The [n_positions, n_channels] float32 table of OpenAI's sinusoids(): with half = n_channels / 2 and
 * inc = ln(10000) / (half − 1), row t holds sin(t·exp(−inc·j)) for j < half, then cos of the same angles.
 * Computed in float64 and rounded once, as the reference weights are (tools/reference/WEIGHTS.md).
 * @throws Error kModelLoad when n_channels is odd or below 4 (inc would divide by zero); kOom.
 */
Tensor WhisperSinusoids(int n_positions, int n_channels);

}  // namespace verbatim
