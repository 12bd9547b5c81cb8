// Whisper's audio encoder: conv1 → GELU → conv2 (stride 2) → GELU → + positional embedding → pre-LN blocks
// [self-attention, MLP] → LayerNorm.
#pragma once

#include "backend/backend.h"
#include "model/whisper_weights.h"
#include "tensor/tensor.h"

namespace verbatim {

/**
 * Encodes a batch of 30-second windows.
 * @param mel [n_batch, n_mels, 2 · n_audio_ctx] log-mel on the backend's device (mel-major, as Whisper takes
 * it).
 * @return [n_batch, n_audio_ctx, n_audio_state] on the backend's device.
 * @throws Error kInternal when mel's shape does not fit the model; kOom, kBackend from the backend.
 */
Tensor RunWhisperEncoder(Backend& backend, const WhisperWeights& weights, const Tensor& mel);

}  // namespace verbatim
