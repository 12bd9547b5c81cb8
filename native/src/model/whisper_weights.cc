#include "model/whisper_weights.h"

#include <string>

#include "core/fail.h"

namespace verbatim {
namespace {

constexpr int64_t kConvKernelSize = 3;

/** Reads tensors under one name prefix, checking shapes, and prepares them for the backend. */
class WeightReader {
 public:
  /** @param matrix_use how its matrices are used: kMatrix, or kStreamedMatrix for the encoder's layers. */
  WeightReader(const WeightStore& store, Backend& backend, WeightUse matrix_use = WeightUse::kMatrix)
      : store_(store), backend_(backend), matrix_use_(matrix_use) {}

  Tensor Matrix(const std::string& name, const std::vector<int64_t>& shape) const {
    return backend_.PrepareWeight(store_.Get(name, shape), matrix_use_);
  }

  Tensor Vector(const std::string& name, const std::vector<int64_t>& shape) const {
    return backend_.PrepareWeight(store_.Get(name, shape), WeightUse::kVector);
  }

  LinearWeights Linear(const std::string& prefix,
                       const std::vector<int64_t>& weight_shape,
                       bool has_bias) const {
    LinearWeights linear;
    linear.weight = Matrix(prefix + ".weight", weight_shape);
    if (has_bias)
      linear.bias = Vector(prefix + ".bias", {weight_shape[0]});
    return linear;
  }

  LayerNormWeights LayerNorm(const std::string& prefix, int64_t width) const {
    return {Vector(prefix + ".weight", {width}), Vector(prefix + ".bias", {width})};
  }

  AttentionWeights Attention(const std::string& prefix, int64_t width) const {
    AttentionWeights attention;
    attention.query = Linear(prefix + ".q_proj", {width, width}, true);
    attention.key = Linear(prefix + ".k_proj", {width, width}, false);
    attention.value = Linear(prefix + ".v_proj", {width, width}, true);
    attention.output = Linear(prefix + ".out_proj", {width, width}, true);
    return attention;
  }

  MlpWeights Mlp(const std::string& prefix, int64_t width) const {
    return {Linear(prefix + ".fc1", {kWhisperMlpExpansion * width, width}, true),
            Linear(prefix + ".fc2", {width, kWhisperMlpExpansion * width}, true)};
  }

 private:
  const WeightStore& store_;
  Backend& backend_;
  const WeightUse matrix_use_;
};

void CheckDims(const ModelDims& dims) {
  const int counts[] = {dims.n_mels,        dims.n_audio_ctx, dims.n_audio_state, dims.n_audio_head,
                        dims.n_audio_layer, dims.n_vocab,     dims.n_text_ctx,    dims.n_text_state,
                        dims.n_text_head,   dims.n_text_layer};
  for (int count : counts) {
    if (count <= 0)
      Fail(ErrorCode::kModelLoad, "LoadWhisperWeights", "every dimension must be positive: ", count);
  }
  if (dims.n_audio_state % dims.n_audio_head != 0 || dims.n_text_state % dims.n_text_head != 0) {
    Fail(ErrorCode::kModelLoad, "LoadWhisperWeights", "width not divisible by the head count: audio ",
         dims.n_audio_state, " / ", dims.n_audio_head, ", text ", dims.n_text_state, " / ", dims.n_text_head);
  }
  // Cross-attention projects the encoder's output with [text, text] matrices: the widths must agree.
  if (dims.n_audio_state != dims.n_text_state) {
    Fail(ErrorCode::kModelLoad, "LoadWhisperWeights",
         "encoder and decoder widths differ: ", dims.n_audio_state, " vs ", dims.n_text_state);
  }
}

EncoderWeights LoadEncoder(const WeightStore& store, Backend& backend, const ModelDims& dims) {
  const WeightReader reader(store, backend);
  // A layer's matrices are read once per encoding, in layer order: a backend may stream them
  // (PrefetchWeights).
  const WeightReader layer_reader(store, backend, WeightUse::kStreamedMatrix);
  const int64_t width = dims.n_audio_state;
  EncoderWeights encoder;
  encoder.conv1 = reader.Linear("model.encoder.conv1", {width, dims.n_mels, kConvKernelSize}, true);
  encoder.conv2 = reader.Linear("model.encoder.conv2", {width, width, kConvKernelSize}, true);
  encoder.positions = reader.Vector("model.encoder.embed_positions.weight", {dims.n_audio_ctx, width});
  for (int i = 0; i < dims.n_audio_layer; ++i) {
    const std::string prefix = "model.encoder.layers." + std::to_string(i);
    EncoderLayerWeights layer;
    layer.self_attention_norm = reader.LayerNorm(prefix + ".self_attn_layer_norm", width);
    layer.self_attention = layer_reader.Attention(prefix + ".self_attn", width);
    layer.mlp_norm = reader.LayerNorm(prefix + ".final_layer_norm", width);
    layer.mlp = layer_reader.Mlp(prefix, width);
    encoder.layers.push_back(std::move(layer));
  }
  encoder.final_norm = reader.LayerNorm("model.encoder.layer_norm", width);
  return encoder;
}

DecoderWeights LoadDecoder(const WeightReader& reader, const ModelDims& dims) {
  const int64_t width = dims.n_text_state;
  DecoderWeights decoder;
  decoder.token_embedding = reader.Matrix("model.decoder.embed_tokens.weight", {dims.n_vocab, width});
  decoder.positions = reader.Vector("model.decoder.embed_positions.weight", {dims.n_text_ctx, width});
  for (int i = 0; i < dims.n_text_layer; ++i) {
    const std::string prefix = "model.decoder.layers." + std::to_string(i);
    DecoderLayerWeights layer;
    layer.self_attention_norm = reader.LayerNorm(prefix + ".self_attn_layer_norm", width);
    layer.self_attention = reader.Attention(prefix + ".self_attn", width);
    layer.cross_attention_norm = reader.LayerNorm(prefix + ".encoder_attn_layer_norm", width);
    layer.cross_attention = reader.Attention(prefix + ".encoder_attn", width);
    layer.mlp_norm = reader.LayerNorm(prefix + ".final_layer_norm", width);
    layer.mlp = reader.Mlp(prefix, width);
    decoder.layers.push_back(std::move(layer));
  }
  decoder.final_norm = reader.LayerNorm("model.decoder.layer_norm", width);
  return decoder;
}

}  // namespace

WhisperWeights LoadWhisperWeights(const WeightStore& store, Backend& backend) {
  WhisperWeights weights;
  weights.dims = store.dims();
  CheckDims(weights.dims);
  weights.encoder = LoadEncoder(store, backend, weights.dims);
  weights.decoder = LoadDecoder(WeightReader(store, backend), weights.dims);
  return weights;
}

}  // namespace verbatim
