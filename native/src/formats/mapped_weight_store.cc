#include "formats/mapped_weight_store.h"

#include <cstring>

#include "core/fail.h"
#include "formats/affine_quantization.h"
#include "formats/load_error.h"
#include "formats/sinusoids.h"

namespace verbatim {

TensorSource TensorSource::Stored(StoredTensor tensor, std::vector<int64_t> shape) {
  int64_t numel = 1;
  for (int64_t d : shape)
    numel *= d;
  if (numel != tensor.numel()) {
    Fail(ErrorCode::kInternal, "WeightStore", "cannot view ", ShapeString(tensor.shape), " as ",
         ShapeString(shape));
  }
  TensorSource source;
  source.kind = Kind::kStored;
  source.shape = std::move(shape);
  source.stored = std::move(tensor);
  return source;
}

TensorSource TensorSource::Stored(StoredTensor tensor) {
  std::vector<int64_t> shape = tensor.shape;
  return Stored(std::move(tensor), std::move(shape));
}

TensorSource TensorSource::MlxConv(const std::string& name, StoredTensor tensor) {
  if (tensor.shape.size() != 3) {
    FailLoading(tensor.file->path(), "conv weight ", name, " should have 3 axes [out, kernel, in], found ",
                ShapeString(tensor.shape));
  }
  TensorSource source;
  source.kind = Kind::kMlxConv;
  source.shape = {tensor.shape[0], tensor.shape[2], tensor.shape[1]};
  source.stored = std::move(tensor);
  return source;
}

TensorSource TensorSource::AffineQuantized(const std::string& name,
                                           StoredTensor packed,
                                           StoredTensor scales,
                                           StoredTensor biases,
                                           AffineQuantization quantization) {
  TensorSource source;
  source.kind = Kind::kAffineQuantized;
  source.shape = QuantizedWeightShape(name, packed, scales, biases, quantization);
  source.stored = std::move(packed);
  source.scales = std::move(scales);
  source.biases = std::move(biases);
  source.quantization = quantization;
  return source;
}

TensorSource TensorSource::Sinusoids(int n_positions, int n_channels) {
  TensorSource source;
  source.kind = Kind::kSinusoids;
  source.shape = {n_positions, n_channels};
  return source;
}

MappedWeightStore::MappedWeightStore(ModelFormat format, std::string path, ModelDims dims)
    : format_(format), path_(std::move(path)), dims_(dims) {}

void MappedWeightStore::Add(const std::string& hf_name, TensorSource source) {
  if (sources_.count(hf_name) != 0) {
    Fail(ErrorCode::kModelLoad, "WeightStore", "tensor ", hf_name, " is stored twice in ", path_);
  }
  stored_bytes_ += source.stored_bytes();
  sources_.emplace(hf_name, std::move(source));
}

Tensor MappedWeightStore::Get(const std::string& hf_name, const std::vector<int64_t>& expected_shape) const {
  const auto found = sources_.find(hf_name);
  if (found == sources_.end())
    Fail(ErrorCode::kModelLoad, "WeightStore", "missing tensor ", hf_name, " in ", path_);
  const TensorSource& source = found->second;
  if (!expected_shape.empty() && expected_shape != source.shape) {
    FailLoading(hf_name, "expected shape ", ShapeString(expected_shape), ", found ",
                ShapeString(source.shape), " in ", SourcePath(source));
  }

  std::lock_guard<std::mutex> lock(mutex_);
  const auto cached = converted_.find(hf_name);
  if (cached != converted_.end())
    return cached->second;
  bool owned = false;
  Tensor tensor = Materialize(hf_name, source, owned);
  if (owned) {
    converted_.emplace(hf_name, tensor);
    copied_bytes_ += tensor.nbytes();
  }
  return tensor;
}

std::size_t MappedWeightStore::copied_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return copied_bytes_;
}

std::vector<std::string> MappedWeightStore::Names() const {
  std::vector<std::string> names;
  names.reserve(sources_.size());
  for (const auto& entry : sources_)
    names.push_back(entry.first);
  return names;
}

std::string MappedWeightStore::SourcePath(const TensorSource& source) const {
  return source.stored.file ? source.stored.file->path() : path_;
}

namespace {

DType RequireComputeDType(const std::string& hf_name, const StoredTensor& stored) {
  const std::optional<DType> dtype = ComputeDType(stored.type);
  if (!dtype) {
    FailLoading(hf_name, "unsupported dtype ", stored.type_name, " in ", stored.file->path(),
                " (the engine reads f32, f16 and bf16 weights)");
  }
  return *dtype;
}

/** [out, kernel, in] → [out, in, kernel], element by element of `element_size` bytes. */
void TransposeMlxConv(const StoredTensor& stored, std::size_t element_size, uint8_t* out) {
  const int64_t n_out = stored.shape[0];
  const int64_t n_kernel = stored.shape[1];
  const int64_t n_in = stored.shape[2];
  const uint8_t* in = stored.bytes();
  for (int64_t o = 0; o < n_out; ++o) {
    for (int64_t k = 0; k < n_kernel; ++k) {
      for (int64_t i = 0; i < n_in; ++i) {
        const int64_t from = (o * n_kernel + k) * n_in + i;
        const int64_t to = (o * n_in + i) * n_kernel + k;
        std::memcpy(out + to * element_size, in + from * element_size, element_size);
      }
    }
  }
}

void ReleaseSource(const StoredTensor& stored) {
  if (stored.file)
    stored.file->Release(stored.offset, stored.n_bytes);
}

}  // namespace

Tensor MappedWeightStore::ViewOrCopyStored(const std::string& hf_name,
                                           const TensorSource& source,
                                           bool& owned) const {
  const StoredTensor& stored = source.stored;
  const DType dtype = RequireComputeDType(hf_name, stored);
  const auto address = reinterpret_cast<std::uintptr_t>(stored.bytes());
  if (address % DTypeSize(dtype) == 0) {
    owned = false;
    return Tensor(dtype, source.shape, const_cast<uint8_t*>(stored.bytes()), stored.file);
  }
  // ggml and npz place data after variable-length names, so elements can be misaligned; kernels may load them
  // as float / uint16_t, which needs natural alignment. One aligned copy.
  owned = true;
  Tensor copy = Tensor::Zeros(dtype, source.shape);
  std::memcpy(copy.raw(), stored.bytes(), stored.n_bytes);
  ReleaseSource(stored);
  return copy;
}

Tensor MappedWeightStore::Materialize(const std::string& hf_name,
                                      const TensorSource& source,
                                      bool& owned) const {
  owned = true;
  switch (source.kind) {
    case TensorSource::Kind::kStored:
      return ViewOrCopyStored(hf_name, source, owned);
    case TensorSource::Kind::kMlxConv: {
      const DType dtype = RequireComputeDType(hf_name, source.stored);
      Tensor transposed = Tensor::Zeros(dtype, source.shape);
      TransposeMlxConv(source.stored, DTypeSize(dtype), transposed.data<uint8_t>());
      ReleaseSource(source.stored);
      return transposed;
    }
    case TensorSource::Kind::kAffineQuantized: {
      Tensor weights =
          DequantizeAffine(hf_name, source.stored, source.scales, source.biases, source.quantization);
      for (const StoredTensor* part : {&source.stored, &source.scales, &source.biases})
        ReleaseSource(*part);
      return weights;
    }
    case TensorSource::Kind::kSinusoids:
      return WhisperSinusoids(static_cast<int>(source.shape[0]), static_cast<int>(source.shape[1]));
  }
  Fail(ErrorCode::kInternal, "WeightStore", "unknown tensor source kind");
}

}  // namespace verbatim
