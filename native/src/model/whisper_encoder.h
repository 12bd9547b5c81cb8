// Whisper's audio encoder: conv1 → GELU → conv2 (stride 2) → GELU → + positional embedding → pre-LN blocks
// [self-attention, MLP] → LayerNorm.
#pragma once

#include "backend/backend.h"
#include "model/whisper_weights.h"
#include "tensor/tensor.h"

namespace verbatim {

/**
 * The most windows RunWhisperEncoder encodes at once for these dims within `budget_bytes` of activations
 * (Backend::activation_budget_bytes; at least 1).
 */
int EncoderSliceWindows(const ModelDims& dims, int64_t budget_bytes = int64_t{1} << 30);

/**
 * Encodes a batch of 30-second windows, in equal slices of at most max_slice_windows (0: EncoderSliceWindows
 * of the backend's activation budget) when the batch is larger: the same result, with activation memory
 * bounded by a slice. Layer by layer over all slices, each layer's matrices prefetched while the layer before
 * runs (Backend::PrefetchWeights).
 * @param mel [n_batch, n_mels, 2 · n_audio_ctx] log-mel on the backend's device (mel-major, as Whisper takes
 * it).
 * @return [n_batch, n_audio_ctx, n_audio_state] on the backend's device.
 * @throws Error kInternal when mel's shape does not fit the model; kOom, kBackend from the backend.
 */
Tensor RunWhisperEncoder(Backend& backend,
                         const WhisperWeights& weights,
                         const Tensor& mel,
                         int max_slice_windows = 0);

}  // namespace verbatim
