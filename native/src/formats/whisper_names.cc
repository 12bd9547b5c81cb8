#include "formats/whisper_names.h"

#include <vector>

namespace verbatim {
namespace {

struct Rename {
  std::string_view openai;
  std::string_view hugging_face;
};

// One path component at a time; "mlp.0" / "mlp.2" (two components) are handled apart.
constexpr Rename kComponentRenames[] = {
    {"blocks", "layers"},
    {"attn", "self_attn"},
    {"cross_attn", "encoder_attn"},
    {"query", "q_proj"},
    {"key", "k_proj"},
    {"value", "v_proj"},
    {"out", "out_proj"},
    {"attn_ln", "self_attn_layer_norm"},
    {"cross_attn_ln", "encoder_attn_layer_norm"},
    {"mlp_ln", "final_layer_norm"},
    {"mlp1", "fc1"},
    {"mlp2", "fc2"},
    {"ln_post", "layer_norm"},
    {"ln", "layer_norm"},
    {"token_embedding", "embed_tokens"},
    // A bare parameter in OpenAI's model, a module's weight in Hugging Face's.
    {"positional_embedding", "embed_positions.weight"},
};

std::vector<std::string_view> SplitComponents(std::string_view name) {
  std::vector<std::string_view> components;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = name.find('.', start);
    components.push_back(name.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos)
      return components;
    start = dot + 1;
  }
}

std::string_view RenameComponent(std::string_view component) {
  for (const Rename& rename : kComponentRenames) {
    if (rename.openai == component)
      return rename.hugging_face;
  }
  return component;
}

}  // namespace

std::string OpenAiToHuggingFaceName(std::string_view name) {
  const std::vector<std::string_view> components = SplitComponents(name);
  if (components.size() < 2 || (components[0] != "encoder" && components[0] != "decoder")) {
    return std::string(name);
  }
  std::string result = "model";
  for (std::size_t i = 0; i < components.size(); ++i) {
    std::string_view renamed = components[i];
    if (components[i] == "mlp" && i + 1 < components.size() &&
        (components[i + 1] == "0" || components[i + 1] == "2")) {
      renamed = components[i + 1] == "0" ? "fc1" : "fc2";
      ++i;
    } else if (i + 1 < components.size() || components[i] == "positional_embedding") {
      // The last component is a parameter name (weight, bias, scales, biases), never a module to rename,
      // except OpenAI's bare positional_embedding parameter.
      renamed = RenameComponent(components[i]);
    }
    result += '.';
    result += renamed;
  }
  return result;
}

}  // namespace verbatim
