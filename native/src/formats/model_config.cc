#include "formats/model_config.h"

#include <limits>

#include "formats/load_error.h"

namespace verbatim {
namespace {

int ReadPositiveInt(const JsonValue& object, const char* key, const std::string& path) {
  const JsonValue* value = object.Find(key);
  if (value == nullptr)
    FailLoading(path, "\"", key, "\" is missing");
  if (!value->is_integer() || value->AsInt64() <= 0 || value->AsInt64() > std::numeric_limits<int>::max()) {
    FailLoading(path, "\"", key, "\" must be a positive integer");
  }
  return static_cast<int>(value->AsInt64());
}

void RequireObject(const JsonValue& config, const std::string& path) {
  if (!config.is_object())
    FailLoading(path, "not a JSON object");
}

struct DimKey {
  const char* key;
  int ModelDims::*dim;
};

// Hugging Face's WhisperConfig has one d_model for encoder and decoder: n_text_state is filled from it.
constexpr DimKey kHuggingFaceKeys[] = {
    {"num_mel_bins", &ModelDims::n_mels},
    {"max_source_positions", &ModelDims::n_audio_ctx},
    {"d_model", &ModelDims::n_audio_state},
    {"encoder_attention_heads", &ModelDims::n_audio_head},
    {"encoder_layers", &ModelDims::n_audio_layer},
    {"vocab_size", &ModelDims::n_vocab},
    {"max_target_positions", &ModelDims::n_text_ctx},
    {"decoder_attention_heads", &ModelDims::n_text_head},
    {"decoder_layers", &ModelDims::n_text_layer},
};

constexpr DimKey kOpenAiKeys[] = {
    {"n_mels", &ModelDims::n_mels},
    {"n_audio_ctx", &ModelDims::n_audio_ctx},
    {"n_audio_state", &ModelDims::n_audio_state},
    {"n_audio_head", &ModelDims::n_audio_head},
    {"n_audio_layer", &ModelDims::n_audio_layer},
    {"n_vocab", &ModelDims::n_vocab},
    {"n_text_ctx", &ModelDims::n_text_ctx},
    {"n_text_state", &ModelDims::n_text_state},
    {"n_text_head", &ModelDims::n_text_head},
    {"n_text_layer", &ModelDims::n_text_layer},
};

template <std::size_t N>
ModelDims ReadDims(const JsonValue& config, const DimKey (&keys)[N], const std::string& path) {
  ModelDims dims;
  for (const DimKey& key : keys)
    dims.*key.dim = ReadPositiveInt(config, key.key, path);
  return dims;
}

AffineQuantization ReadQuantization(const JsonValue& config, const std::string& path) {
  const JsonValue* quantization = config.Find("quantization");
  if (quantization == nullptr || quantization->is_null())
    return {};
  if (!quantization->is_object()) {
    FailLoading(path, "\"quantization\" must be an object");
  }
  AffineQuantization result;
  result.group_size = ReadPositiveInt(*quantization, "group_size", path);
  result.bits = ReadPositiveInt(*quantization, "bits", path);
  if (result.bits > 8) {
    FailLoading(path, "quantization \"bits\" ", result.bits,
                " is not supported (MLX affine quantization uses 2 to 8)");
  }
  return result;
}

}  // namespace

bool IsOpenAiStyleConfig(const JsonValue& config) {
  return config.Find("n_audio_state") != nullptr;
}

ModelDims ReadHuggingFaceConfig(const JsonValue& config, const std::string& path) {
  RequireObject(config, path);
  ModelDims dims = ReadDims(config, kHuggingFaceKeys, path);
  dims.n_text_state = dims.n_audio_state;  // one d_model for both stacks
  return dims;
}

MlxConfig ReadMlxConfig(const JsonValue& config, const std::string& path) {
  RequireObject(config, path);
  MlxConfig result;
  result.dims = ReadDims(config, kOpenAiKeys, path);
  result.quantization = ReadQuantization(config, path);
  return result;
}

}  // namespace verbatim
