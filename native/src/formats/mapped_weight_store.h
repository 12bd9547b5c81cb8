// The WeightStore every layout becomes: a table from Hugging Face names to where each tensor's bytes are and
// how they turn into the Hugging Face form (as stored, a transposed MLX conv, dequantized, or computed).
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "formats/model_config.h"
#include "formats/stored_tensor.h"
#include "formats/weight_store.h"

namespace verbatim {

/** How a loader found a tensor. */
struct TensorSource {
  enum class Kind {
    kStored,           // the stored bytes in the stored order (viewed in place when aligned)
    kMlxConv,          // MLX conv weight [out, kernel, in], transposed to [out, in, kernel]
    kAffineQuantized,  // MLX packed codes + scales + biases, dequantized to f32
    kSinusoids,        // not stored: Whisper's encoder positional table, computed
  };
  Kind kind = Kind::kStored;
  /** The Hugging Face shape Get returns (kStored: the stored shape, or a reshape of it with equal numel). */
  std::vector<int64_t> shape;
  StoredTensor stored;  // kStored, kMlxConv; the packed codes of kAffineQuantized
  StoredTensor scales;  // kAffineQuantized
  StoredTensor biases;  // kAffineQuantized
  AffineQuantization quantization;

  static TensorSource Stored(StoredTensor tensor, std::vector<int64_t> shape);
  static TensorSource Stored(StoredTensor tensor);
  /** @throws Error kModelLoad unless the tensor has 3 axes. */
  static TensorSource MlxConv(const std::string& name, StoredTensor tensor);
  /** @throws Error kModelLoad when the parts do not fit together (see QuantizedWeightShape). */
  static TensorSource AffineQuantized(const std::string& name,
                                      StoredTensor packed,
                                      StoredTensor scales,
                                      StoredTensor biases,
                                      AffineQuantization quantization);
  static TensorSource Sinusoids(int n_positions, int n_channels);

  /** Bytes of file data behind this tensor (0 for computed tensors). */
  uint64_t stored_bytes() const { return stored.n_bytes + scales.n_bytes + biases.n_bytes; }
};

/**
 * Thread-safety: Get, Has and the byte counts may be called from several threads at once (conversions are
 * made once, under a lock). Tensors returned keep their memory alive (the mapping or the converted buffer)
 * beyond the store's lifetime.
 */
class MappedWeightStore : public WeightStore {
 public:
  /** @param path the model's directory or file, for error messages. */
  MappedWeightStore(ModelFormat format, std::string path, ModelDims dims);

  /** Registers a tensor; loaders call this while opening. @throws Error kModelLoad on a duplicate name. */
  void Add(const std::string& hf_name, TensorSource source);

  ModelFormat format() const override { return format_; }
  const ModelDims& dims() const override { return dims_; }
  Tensor Get(const std::string& hf_name, const std::vector<int64_t>& expected_shape) const override;
  bool Has(const std::string& hf_name) const override { return sources_.count(hf_name) != 0; }
  std::size_t stored_bytes() const override { return stored_bytes_; }
  /** Grows as Get converts tensors: after the model has fetched every tensor, the bytes it holds beyond
   * mappings. */
  std::size_t copied_bytes() const override;

  /** Hugging Face names of every tensor, sorted (for listings and tests). */
  std::vector<std::string> Names() const;

 protected:
  const std::string& path() const { return path_; }

 private:
  /** The tensor in its Hugging Face form; `owned` tells whether it is a new buffer rather than a view. */
  Tensor Materialize(const std::string& hf_name, const TensorSource& source, bool& owned) const;
  Tensor ViewOrCopyStored(const std::string& hf_name, const TensorSource& source, bool& owned) const;
  std::string SourcePath(const TensorSource& source) const;

  ModelFormat format_;
  std::string path_;
  ModelDims dims_;
  std::map<std::string, TensorSource> sources_;
  std::size_t stored_bytes_ = 0;

  mutable std::mutex mutex_;
  mutable std::map<std::string, Tensor> converted_;
  mutable std::size_t copied_bytes_ = 0;
};

}  // namespace verbatim
