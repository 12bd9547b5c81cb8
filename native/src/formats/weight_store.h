// Reading model files: every layout users have (Hugging Face safetensors, single or sharded; MLX community
// safetensors or npz, optionally 4/8-bit affine-quantized; whisper.cpp ggml) becomes one view in Hugging Face
// terms: tensors under their Hugging Face names, in Hugging Face shapes, so the model code knows one naming
// only.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tensor/tensor.h"
#include "verbatim/engine.h"

namespace verbatim {

class WeightStore {
 public:
  virtual ~WeightStore() = default;

  /**
   * Opens a model: a directory (config.json + model.safetensors / model.safetensors.index.json, or MLX's
   * config.json + weights.safetensors / weights.npz) or a ggml .bin file. Files are memory-mapped.
   * @throws Error kModelLoad naming the path and what is wrong.
   */
  static std::unique_ptr<WeightStore> Open(const std::string& path);

  virtual ModelFormat format() const = 0;
  /** Dimensions from config.json or the ggml header. */
  virtual const ModelDims& dims() const = 0;

  /**
   * The tensor with this Hugging Face name (e.g. "model.encoder.layers.0.fc1.weight") in its Hugging Face
   * shape (conv weights [out, in, kernel]). Stored f32/f16/bf16 data is viewed in place (no copy) when the
   * layout allows; transposed (MLX conv), quantized (MLX), computed (MLX's encoder positions) or misaligned
   * (ggml, npz) tensors are converted once into an owned buffer, which later calls return again.
   * @param expected_shape the shape the model needs; empty accepts whatever is stored.
   * @throws Error kModelLoad "[WeightStore] missing tensor NAME in PATH",
   *   "[WeightStore] NAME: expected shape [..], found [..] in PATH" or "… NAME: unsupported dtype …".
   * Thread-safe, like Has and the byte counts.
   */
  virtual Tensor Get(const std::string& hf_name, const std::vector<int64_t>& expected_shape) const = 0;

  /** Whether a tensor with this Hugging Face name exists. */
  virtual bool Has(const std::string& hf_name) const = 0;

  /** Bytes of tensor data in the files; bytes the store copied (converted / dequantized tensors). */
  virtual std::size_t stored_bytes() const = 0;
  virtual std::size_t copied_bytes() const = 0;
};

}  // namespace verbatim
