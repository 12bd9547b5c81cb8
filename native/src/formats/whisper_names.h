// OpenAI's Whisper tensor names (used by MLX community files and whisper.cpp's ggml) → Hugging Face's.
#pragma once

#include <string>
#include <string_view>

namespace verbatim {

/**
 * "encoder.blocks.3.attn.query.weight" → "model.encoder.layers.3.self_attn.q_proj.weight",
 * "decoder.positional_embedding" → "model.decoder.embed_positions.weight", etc. (attn → self_attn,
 * cross_attn → encoder_attn, query/key/value/out → q/k/v/out_proj, mlp.0 / mlp1 → fc1, mlp.2 / mlp2 → fc2,
 * attn_ln → self_attn_layer_norm, cross_attn_ln → encoder_attn_layer_norm, mlp_ln → final_layer_norm,
 * ln_post / ln → layer_norm, token_embedding → embed_tokens). The last component (weight, bias, and MLX's
 * scales / biases) is kept. Names outside encoder.* / decoder.* are returned unchanged.
 */
std::string OpenAiToHuggingFaceName(std::string_view name);

}  // namespace verbatim
