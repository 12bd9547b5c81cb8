// A WeightStore held in memory, for model tests that must not depend on files or the format readers: seeded
// random Whisper weights of any dimensions, under Hugging Face names and shapes, with the real store's error
// messages.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "backend/test_data.h"
#include "core/fail.h"
#include "formats/weight_store.h"

namespace verbatim::testing {

/** Every tensor of a Whisper of these dimensions: Hugging Face name → shape. */
inline std::vector<std::pair<std::string, std::vector<int64_t>>> WhisperTensorShapes(const ModelDims& dims) {
  const int64_t d = dims.n_audio_state, t = dims.n_text_state;
  std::vector<std::pair<std::string, std::vector<int64_t>>> shapes = {
      {"model.encoder.conv1.weight", {d, dims.n_mels, 3}},
      {"model.encoder.conv1.bias", {d}},
      {"model.encoder.conv2.weight", {d, d, 3}},
      {"model.encoder.conv2.bias", {d}},
      {"model.encoder.embed_positions.weight", {dims.n_audio_ctx, d}},
      {"model.encoder.layer_norm.weight", {d}},
      {"model.encoder.layer_norm.bias", {d}},
      {"model.decoder.embed_tokens.weight", {dims.n_vocab, t}},
      {"model.decoder.embed_positions.weight", {dims.n_text_ctx, t}},
      {"model.decoder.layer_norm.weight", {t}},
      {"model.decoder.layer_norm.bias", {t}},
  };
  auto add_attention = [&](const std::string& prefix, int64_t width) {
    for (const char* projection : {"q_proj", "k_proj", "v_proj", "out_proj"}) {
      shapes.push_back({prefix + "." + projection + ".weight", {width, width}});
      if (std::string(projection) != "k_proj")
        shapes.push_back({prefix + "." + projection + ".bias", {width}});
    }
    shapes.push_back({prefix + "_layer_norm.weight", {width}});
    shapes.push_back({prefix + "_layer_norm.bias", {width}});
  };
  auto add_mlp = [&](const std::string& prefix, int64_t width) {
    shapes.push_back({prefix + ".fc1.weight", {4 * width, width}});
    shapes.push_back({prefix + ".fc1.bias", {4 * width}});
    shapes.push_back({prefix + ".fc2.weight", {width, 4 * width}});
    shapes.push_back({prefix + ".fc2.bias", {width}});
    shapes.push_back({prefix + ".final_layer_norm.weight", {width}});
    shapes.push_back({prefix + ".final_layer_norm.bias", {width}});
  };
  for (int i = 0; i < dims.n_audio_layer; ++i) {
    const std::string prefix = "model.encoder.layers." + std::to_string(i);
    add_attention(prefix + ".self_attn", d);
    add_mlp(prefix, d);
  }
  for (int i = 0; i < dims.n_text_layer; ++i) {
    const std::string prefix = "model.decoder.layers." + std::to_string(i);
    add_attention(prefix + ".self_attn", t);
    add_attention(prefix + ".encoder_attn", t);
    add_mlp(prefix, t);
  }
  return shapes;
}

class InMemoryWeightStore final : public WeightStore {
 public:
  explicit InMemoryWeightStore(const ModelDims& dims) : dims_(dims) {}

  /**
   * Seeded random weights scaled like a trained model's (activations stay O(1) through the layers). Matrices
   * are stored in `matrix_dtype`; with f16/bf16 their values are rounded, so an f32 store built by
   * WidenedCopy() holds exactly the same numbers.
   */
  static std::unique_ptr<InMemoryWeightStore> RandomWhisper(const ModelDims& dims,
                                                            uint32_t seed,
                                                            DType matrix_dtype = DType::kF32) {
    auto store = std::make_unique<InMemoryWeightStore>(dims);
    uint32_t tensor_seed = seed;
    for (const auto& [name, shape] : WhisperTensorShapes(dims)) {
      int64_t n = 1;
      for (int64_t extent : shape)
        n *= extent;
      const bool is_matrix = shape.size() >= 2 && name.find("embed_positions") == std::string::npos;
      const bool is_gain = name.find("layer_norm.weight") != std::string::npos;
      // Matrices: ±√(3/fan_in), unit variance out; embeddings ±1; gains 1 ± 0.2; biases and positions ±0.1.
      const float fan_in = shape.size() == 3 ? shape[1] * shape[2] : (shape.size() == 2 ? shape[1] : 1);
      const float scale = name.find("embed_tokens") != std::string::npos ? 1.0f
                          : is_matrix                                    ? std::sqrt(3.0f / fan_in)
                          : is_gain                                      ? 0.2f
                                                                         : 0.1f;
      std::vector<float> values = RandomFloats(static_cast<std::size_t>(n), ++tensor_seed, -scale, scale);
      if (is_gain) {
        for (float& value : values)
          value += 1.0f;
      }
      store->Put(name, is_matrix ? Encode(matrix_dtype, shape, values) : F32Tensor(shape, values));
    }
    return store;
  }

  /** A copy whose every tensor is f32 holding the same values (to compare f16/bf16 weights with f32 ones). */
  std::unique_ptr<InMemoryWeightStore> WidenedCopy() const {
    auto copy = std::make_unique<InMemoryWeightStore>(dims_);
    for (const auto& [name, tensor] : tensors_) {
      Tensor widened = Tensor::Zeros(DType::kF32, tensor.shape());
      for (int64_t i = 0; i < tensor.numel(); ++i)
        widened.data<float>()[i] = ValueAt(tensor, i);
      copy->Put(name, widened);
    }
    return copy;
  }

  void Put(const std::string& name, Tensor tensor) { tensors_[name] = std::move(tensor); }
  void Remove(const std::string& name) { tensors_.erase(name); }
  void set_dims(const ModelDims& dims) { dims_ = dims; }

  ModelFormat format() const override { return ModelFormat::kHuggingFaceSafetensors; }
  const ModelDims& dims() const override { return dims_; }

  Tensor Get(const std::string& hf_name, const std::vector<int64_t>& expected_shape) const override {
    const auto found = tensors_.find(hf_name);
    if (found == tensors_.end())
      Fail(ErrorCode::kModelLoad, "WeightStore", "missing tensor ", hf_name, " in memory");
    if (found->second.shape() != expected_shape) {
      Fail(ErrorCode::kModelLoad, "WeightStore", hf_name, ": expected shape ", ShapeString(expected_shape),
           ", found ", found->second.ShapeString());
    }
    return found->second;
  }

  bool Has(const std::string& hf_name) const override { return tensors_.count(hf_name) != 0; }

  std::size_t stored_bytes() const override {
    std::size_t bytes = 0;
    for (const auto& entry : tensors_)
      bytes += entry.second.nbytes();
    return bytes;
  }
  std::size_t copied_bytes() const override { return 0; }

 private:
  static Tensor Encode(DType dtype, const std::vector<int64_t>& shape, const std::vector<float>& values) {
    if (dtype == DType::kF32)
      return F32Tensor(shape, values);
    Tensor tensor = Tensor::Zeros(dtype, shape);
    for (std::size_t i = 0; i < values.size(); ++i) {
      tensor.data<uint16_t>()[i] = dtype == DType::kF16 ? FloatToHalf(values[i]) : FloatToBFloat16(values[i]);
    }
    return tensor;
  }

  static float ValueAt(const Tensor& tensor, int64_t i) {
    if (tensor.dtype() == DType::kF32)
      return tensor.data<float>()[i];
    const uint16_t bits = tensor.data<uint16_t>()[i];
    if (tensor.dtype() == DType::kBF16) {
      const uint32_t word = static_cast<uint32_t>(bits) << 16;
      float value;
      std::memcpy(&value, &word, sizeof value);
      return value;
    }
    // Half: normal or subnormal (the random weights hold no infinities or NaNs).
    const int exponent = (bits >> 10) & 0x1f, mantissa = bits & 0x3ff;
    const double magnitude =
        exponent == 0 ? std::ldexp(mantissa, -24) : std::ldexp(1.0 + mantissa / 1024.0, exponent - 15);
    return static_cast<float>((bits & 0x8000) ? -magnitude : magnitude);
  }

  ModelDims dims_;
  std::map<std::string, Tensor> tensors_;
};

}  // namespace verbatim::testing
