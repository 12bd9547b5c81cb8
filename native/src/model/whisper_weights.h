// Whisper's weights, in Hugging Face's names and shapes (WhisperForConditionalGeneration), prepared for a
// backend.
#pragma once

#include <vector>

#include "backend/backend.h"
#include "formats/weight_store.h"
#include "tensor/tensor.h"
#include "verbatim/engine.h"

namespace verbatim {

/** Whisper's MLP is this many times the model's width. */
constexpr int kWhisperMlpExpansion = 4;

/** y = x · weightᵀ + bias; `bias` is empty where Whisper has none (k_proj). */
struct LinearWeights {
  Tensor weight;  // [out, in], any weight dtype
  Tensor bias;    // [out] f32, or empty
};

struct LayerNormWeights {
  Tensor gain;    // "weight" [d] f32
  Tensor offset;  // "bias" [d] f32
};

struct AttentionWeights {
  LinearWeights query, key, value, output;
};

struct MlpWeights {
  LinearWeights fc1;  // [4d, d]
  LinearWeights fc2;  // [d, 4d]
};

/** A pre-LN encoder block: x += attn(LN(x)); x += mlp(LN(x)). */
struct EncoderLayerWeights {
  LayerNormWeights self_attention_norm;
  AttentionWeights self_attention;
  LayerNormWeights mlp_norm;
  MlpWeights mlp;
};

/** A pre-LN decoder block: causal self-attention, cross-attention to the audio, MLP. */
struct DecoderLayerWeights {
  LayerNormWeights self_attention_norm;
  AttentionWeights self_attention;
  LayerNormWeights cross_attention_norm;
  AttentionWeights cross_attention;
  LayerNormWeights mlp_norm;
  MlpWeights mlp;
};

struct EncoderWeights {
  LinearWeights conv1;  // weight [d, n_mels, 3]
  LinearWeights conv2;  // weight [d, d, 3], stride 2
  Tensor positions;     // [n_audio_ctx, d] f32
  std::vector<EncoderLayerWeights> layers;
  LayerNormWeights final_norm;
};

struct DecoderWeights {
  Tensor token_embedding;  // [n_vocab, d]; also the output projection (tied, as in every Whisper)
  Tensor positions;        // [n_text_ctx, d] f32
  std::vector<DecoderLayerWeights> layers;
  LayerNormWeights final_norm;
};

struct WhisperWeights {
  ModelDims dims;
  EncoderWeights encoder;
  DecoderWeights decoder;
};

/**
 * Reads every tensor of the architecture `store.dims()` describes, checking each shape, and prepares it for
 * `backend` (matrices as stored, vectors as f32).
 * @throws Error kModelLoad when the dimensions are inconsistent (a width not divisible by its head count,
 * encoder and decoder widths that differ) or a tensor is missing or mis-shaped (the store's message names the
 * tensor and the expected and found shapes).
 */
WhisperWeights LoadWhisperWeights(const WeightStore& store, Backend& backend);

}  // namespace verbatim
