#include "formats/ggml_store.h"

#include <cstring>
#include <string_view>

#include "formats/little_endian.h"
#include "formats/load_error.h"
#include "formats/whisper_names.h"

namespace verbatim {
namespace {

// ggml tensor types this loader reads; quantized types (2 and up) have block layouts of their own.
constexpr int32_t kGgmlTypeF32 = 0;
constexpr int32_t kGgmlTypeF16 = 1;
constexpr int32_t kMaxDims = 4;
constexpr int32_t kMaxNameBytes = 1024;
// Quantized files add GGML_QNT_VERSION × 1000 to ftype.
constexpr int32_t kFtypeQuantizationVersionFactor = 1000;

/** Reads the file front to back, failing with the byte offset when it ends too soon. */
class GgmlReader {
 public:
  explicit GgmlReader(const std::shared_ptr<MappedFile>& file) : file_(file) {}

  bool AtEnd() const { return position_ == file_->size(); }
  uint64_t position() const { return position_; }

  void Require(uint64_t n_bytes, std::string_view what) const {
    if (!file_->Contains(position_, n_bytes)) {
      FailLoading(file_->path(), "truncated ggml file: ", what, " at byte ", position_, " needs ", n_bytes,
                  " bytes, the file has ", file_->size());
    }
  }

  int32_t ReadInt32(std::string_view what) {
    Require(sizeof(int32_t), what);
    const auto value = ReadLittleEndian<int32_t>(file_->data() + position_);
    position_ += sizeof(int32_t);
    return value;
  }

  /** A count or dimension: a non-negative int32. */
  int64_t ReadCount(std::string_view what) {
    const int32_t value = ReadInt32(what);
    if (value < 0) {
      FailLoading(file_->path(), "corrupt ggml file: ", what, " at byte ", position_ - sizeof(int32_t),
                  " is negative (", value, ")");
    }
    return value;
  }

  uint64_t Skip(uint64_t n_bytes, std::string_view what) {
    Require(n_bytes, what);
    const uint64_t start = position_;
    position_ += n_bytes;
    return start;
  }

 private:
  std::shared_ptr<MappedFile> file_;
  uint64_t position_ = 0;
};

int ReadPositiveDim(GgmlReader& reader, const MappedFile& file, const char* name) {
  const int32_t value = reader.ReadInt32(name);
  if (value <= 0)
    FailLoading(file.path(), "hyperparameter ", name, " must be positive, found ", value);
  return value;
}

ModelDims ReadHyperparameters(GgmlReader& reader, const MappedFile& file, int& ftype) {
  ModelDims dims;
  dims.n_vocab = ReadPositiveDim(reader, file, "n_vocab");
  dims.n_audio_ctx = ReadPositiveDim(reader, file, "n_audio_ctx");
  dims.n_audio_state = ReadPositiveDim(reader, file, "n_audio_state");
  dims.n_audio_head = ReadPositiveDim(reader, file, "n_audio_head");
  dims.n_audio_layer = ReadPositiveDim(reader, file, "n_audio_layer");
  dims.n_text_ctx = ReadPositiveDim(reader, file, "n_text_ctx");
  dims.n_text_state = ReadPositiveDim(reader, file, "n_text_state");
  dims.n_text_head = ReadPositiveDim(reader, file, "n_text_head");
  dims.n_text_layer = ReadPositiveDim(reader, file, "n_text_layer");
  dims.n_mels = ReadPositiveDim(reader, file, "n_mels");
  ftype = reader.ReadInt32("ftype") % kFtypeQuantizationVersionFactor;
  return dims;
}

Tensor ReadMelFilters(GgmlReader& reader, const MappedFile& file) {
  const int64_t n_mels = reader.ReadCount("mel filter count");
  const int64_t n_bins = reader.ReadCount("mel filter length");
  const uint64_t n_bytes = static_cast<uint64_t>(n_mels) * static_cast<uint64_t>(n_bins) * sizeof(float);
  const uint64_t offset = reader.Skip(n_bytes, "mel filters");
  Tensor filters = Tensor::Zeros(DType::kF32, {n_mels, n_bins});
  if (n_bytes != 0)
    std::memcpy(filters.raw(), file.data() + offset, n_bytes);
  return filters;
}

void SkipVocabulary(GgmlReader& reader) {
  const int64_t n_tokens = reader.ReadCount("vocabulary size");
  for (int64_t i = 0; i < n_tokens; ++i)
    reader.Skip(static_cast<uint64_t>(reader.ReadCount("token length")), "token");
}

struct GgmlTensor {
  std::string name;
  StoredTensor stored;
};

GgmlTensor ReadTensor(GgmlReader& reader, const std::shared_ptr<MappedFile>& file) {
  const int64_t n_dims = reader.ReadCount("tensor rank");
  const int64_t name_bytes = reader.ReadCount("tensor name length");
  const int32_t type = reader.ReadInt32("tensor type");
  if (n_dims < 1 || n_dims > kMaxDims || name_bytes == 0 || name_bytes > kMaxNameBytes) {
    FailLoading(file->path(), "corrupt ggml tensor header before byte ", reader.position(), ": rank ", n_dims,
                ", name length ", name_bytes);
  }
  std::vector<int64_t> innermost_first(n_dims);
  for (int64_t& dim : innermost_first)
    dim = reader.ReadCount("tensor dimension");
  const uint64_t name_offset = reader.Skip(static_cast<uint64_t>(name_bytes), "tensor name");

  GgmlTensor tensor;
  tensor.name.assign(reinterpret_cast<const char*>(file->data()) + name_offset, name_bytes);
  if (type != kGgmlTypeF32 && type != kGgmlTypeF16) {
    FailLoading(file->path(), "tensor ", tensor.name, " has ggml type ", type,
                "; only f32 (0) and f16 (1) are supported (quantized ggml models are not)");
  }
  StoredTensor& stored = tensor.stored;
  stored.file = file;
  stored.type = type == kGgmlTypeF32 ? StoredType::kF32 : StoredType::kF16;
  stored.type_name = type == kGgmlTypeF32 ? "ggml f32" : "ggml f16";
  stored.shape.assign(innermost_first.rbegin(), innermost_first.rend());
  const std::optional<uint64_t> n_bytes = CheckedByteSize(stored.shape, type == kGgmlTypeF32 ? 4 : 2);
  if (!n_bytes)
    FailLoading(file->path(), "tensor ", tensor.name, " has an impossible shape ", ShapeString(stored.shape));
  stored.n_bytes = *n_bytes;
  stored.offset = reader.Skip(stored.n_bytes, "data of tensor " + tensor.name);
  return tensor;
}

/** convert-pt-to-ggml.py stores conv biases as [d, 1] so ggml can broadcast them; the Hugging Face shape is
 * [d]. */
std::vector<int64_t> HuggingFaceShape(const std::string& hf_name, const std::vector<int64_t>& shape) {
  const bool conv_bias = hf_name == "model.encoder.conv1.bias" || hf_name == "model.encoder.conv2.bias";
  if (conv_bias && shape.size() == 2 && shape[1] == 1)
    return {shape[0]};
  return shape;
}

}  // namespace

std::unique_ptr<GgmlWeightStore> GgmlWeightStore::Open(const std::string& path) {
  const std::shared_ptr<MappedFile> file = MappedFile::Open(path);
  GgmlReader reader(file);
  if (file->size() < sizeof(uint32_t) || ReadLittleEndian<uint32_t>(file->data()) != kGgmlMagic) {
    FailLoading(file->path(), "not a whisper.cpp ggml file (no 'ggml' magic 0x67676d6c)");
  }
  reader.Skip(sizeof(uint32_t), "magic");
  int ftype = 0;
  const ModelDims dims = ReadHyperparameters(reader, *file, ftype);
  std::unique_ptr<GgmlWeightStore> store(new GgmlWeightStore(path, dims));
  store->ftype_ = ftype;
  store->mel_filters_ = ReadMelFilters(reader, *file);
  SkipVocabulary(reader);
  while (!reader.AtEnd()) {
    GgmlTensor tensor = ReadTensor(reader, file);
    const std::string hf_name = OpenAiToHuggingFaceName(tensor.name);
    std::vector<int64_t> shape = HuggingFaceShape(hf_name, tensor.stored.shape);
    store->Add(hf_name, TensorSource::Stored(std::move(tensor.stored), std::move(shape)));
  }
  return store;
}

}  // namespace verbatim
