// whisper.cpp's ggml model file (models/convert-pt-to-ggml.py): magic, hyperparameters, the mel filterbank,
// the vocabulary, then tensors under OpenAI's names with their dimensions innermost first.
#pragma once

#include <memory>
#include <string>

#include "formats/mapped_weight_store.h"

namespace verbatim {

/** "ggml" read as a little-endian uint32: the first four bytes of every whisper.cpp model. */
constexpr uint32_t kGgmlMagic = 0x67676D6C;

class GgmlWeightStore : public MappedWeightStore {
 public:
  /**
   * Maps and indexes a ggml file. f32 (type 0) and f16 (type 1) tensors only; names become Hugging Face names
   * and shapes PyTorch order (ggml's dims reversed; the data order is already PyTorch's, so nothing is
   * transposed; conv biases stored as [d, 1] are viewed as [d]).
   * @throws Error kModelLoad "[WeightStore] PATH: …": bad magic, truncated file, a quantized ggml tensor
   * type.
   */
  static std::unique_ptr<GgmlWeightStore> Open(const std::string& path);

  /** The mel filterbank the file carries, [n_mels, n_fft / 2 + 1] float32 (an owned copy). */
  const Tensor& mel_filters() const { return mel_filters_; }
  /** The file's ftype: 0 f32, 1 f16 (the type of its 2-D weights). */
  int ftype() const { return ftype_; }

 private:
  GgmlWeightStore(const std::string& path, const ModelDims& dims)
      : MappedWeightStore(ModelFormat::kGgml, path, dims) {}

  Tensor mel_filters_;
  int ftype_ = 0;
};

}  // namespace verbatim
