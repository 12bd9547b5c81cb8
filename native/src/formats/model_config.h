// config.json in its two dialects: Hugging Face's WhisperConfig (d_model, encoder_layers, …) and MLX
// community's OpenAI ModelDimensions (n_audio_state, n_audio_layer, …, plus "quantization" when the weights
// are quantized).
#pragma once

#include <string>

#include "formats/json.h"
#include "verbatim/engine.h"

namespace verbatim {

/** MLX affine quantization (mlx.nn.QuantizedLinear / QuantizedEmbedding); bits == 0 when not quantized. */
struct AffineQuantization {
  int group_size = 0;
  int bits = 0;
  bool enabled() const { return bits != 0; }
};

struct MlxConfig {
  ModelDims dims;
  AffineQuantization quantization;
};

/** Whether config.json uses OpenAI's dimension names (MLX community) rather than Hugging Face's. */
bool IsOpenAiStyleConfig(const JsonValue& config);

/**
 * d_model, encoder_layers, encoder_attention_heads, decoder_layers, decoder_attention_heads, num_mel_bins,
 * vocab_size, max_source_positions, max_target_positions → ModelDims (n_audio_state = n_text_state =
 * d_model).
 * @throws Error kModelLoad "[WeightStore] PATH: \"KEY\" …" when a key is missing or not a positive integer.
 */
ModelDims ReadHuggingFaceConfig(const JsonValue& config, const std::string& path);

/**
 * n_mels, n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer, n_vocab, n_text_ctx, n_text_state,
 * n_text_head, n_text_layer, and the optional "quantization": {"group_size", "bits"} (bits 2–8).
 * @throws Error kModelLoad as ReadHuggingFaceConfig.
 */
MlxConfig ReadMlxConfig(const JsonValue& config, const std::string& path);

}  // namespace verbatim
