#include "formats/whisper_names.h"

#include <gtest/gtest.h>

namespace verbatim {
namespace {

TEST(WhisperNames, MapsOpenAiAndMlxNamesToHuggingFace) {
  const std::pair<const char*, const char*> cases[] = {
      {"encoder.blocks.3.attn.query.weight", "model.encoder.layers.3.self_attn.q_proj.weight"},
      {"encoder.blocks.0.attn.key.weight", "model.encoder.layers.0.self_attn.k_proj.weight"},
      {"decoder.blocks.1.cross_attn.value.bias", "model.decoder.layers.1.encoder_attn.v_proj.bias"},
      {"decoder.blocks.1.cross_attn.out.weight", "model.decoder.layers.1.encoder_attn.out_proj.weight"},
      {"decoder.blocks.2.cross_attn_ln.weight", "model.decoder.layers.2.encoder_attn_layer_norm.weight"},
      {"encoder.blocks.1.attn_ln.bias", "model.encoder.layers.1.self_attn_layer_norm.bias"},
      {"encoder.blocks.1.mlp_ln.weight", "model.encoder.layers.1.final_layer_norm.weight"},
      {"encoder.blocks.1.mlp.0.weight", "model.encoder.layers.1.fc1.weight"},  // ggml / OpenAI
      {"encoder.blocks.1.mlp.2.bias", "model.encoder.layers.1.fc2.bias"},
      {"encoder.blocks.1.mlp1.scales", "model.encoder.layers.1.fc1.scales"},  // MLX, quantized
      {"decoder.blocks.0.mlp2.biases", "model.decoder.layers.0.fc2.biases"},
      {"encoder.ln_post.weight", "model.encoder.layer_norm.weight"},
      {"decoder.ln.bias", "model.decoder.layer_norm.bias"},
      {"decoder.token_embedding.weight", "model.decoder.embed_tokens.weight"},
      {"decoder.positional_embedding", "model.decoder.embed_positions.weight"},
      {"encoder.positional_embedding", "model.encoder.embed_positions.weight"},
      {"encoder.conv2.weight", "model.encoder.conv2.weight"},
      {"alignment_heads", "alignment_heads"},  // MLX saves it; not a weight, kept as is
      {"model.decoder.layer_norm.weight", "model.decoder.layer_norm.weight"},
  };
  for (const auto& [openai, hugging_face] : cases)
    EXPECT_EQ(OpenAiToHuggingFaceName(openai), hugging_face);
}

}  // namespace
}  // namespace verbatim
