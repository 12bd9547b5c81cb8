#include "formats/safetensors.h"

#include <cstring>
#include <string_view>

#include "formats/json.h"
#include "formats/little_endian.h"
#include "formats/load_error.h"
#include "tensor/tensor.h"

namespace verbatim {
namespace {

constexpr uint64_t kHeaderLengthBytes = 8;
// The reference implementation refuses larger headers too; a corrupt length must not make us parse gigabytes.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

struct SafetensorsDType {
  const char* name;
  uint64_t size;
  StoredType type;
};

// Every dtype of the safetensors specification.
constexpr SafetensorsDType kDTypes[] = {
    {"F32", 4, StoredType::kF32},    {"F16", 2, StoredType::kF16},       {"BF16", 2, StoredType::kBF16},
    {"U32", 4, StoredType::kU32},    {"F64", 8, StoredType::kOther},     {"I64", 8, StoredType::kOther},
    {"U64", 8, StoredType::kOther},  {"I32", 4, StoredType::kOther},     {"I16", 2, StoredType::kOther},
    {"U16", 2, StoredType::kOther},  {"I8", 1, StoredType::kOther},      {"U8", 1, StoredType::kOther},
    {"BOOL", 1, StoredType::kOther}, {"F8_E5M2", 1, StoredType::kOther}, {"F8_E4M3", 1, StoredType::kOther},
};

const SafetensorsDType* FindDType(const std::string& name) {
  for (const SafetensorsDType& dtype : kDTypes) {
    if (name == dtype.name)
      return &dtype;
  }
  return nullptr;
}

std::vector<int64_t> ReadShape(const JsonValue* shape, const MappedFile& file, const std::string& name) {
  if (shape == nullptr || !shape->is_array())
    FailLoading(file.path(), "tensor ", name, " has no \"shape\" array");
  std::vector<int64_t> dims;
  for (const JsonValue& dim : shape->AsArray()) {
    if (!dim.is_integer() || dim.AsInt64() < 0) {
      FailLoading(file.path(), "tensor ", name, " has a shape entry that is not a non-negative integer");
    }
    dims.push_back(dim.AsInt64());
  }
  return dims;
}

StoredTensor ReadEntry(const std::string& name,
                       const JsonValue& entry,
                       const std::shared_ptr<MappedFile>& file,
                       uint64_t data_start) {
  if (!entry.is_object())
    FailLoading(file->path(), "tensor ", name, " is not described by an object");
  const JsonValue* dtype_value = entry.Find("dtype");
  if (dtype_value == nullptr || !dtype_value->is_string())
    FailLoading(file->path(), "tensor ", name, " has no \"dtype\"");
  const SafetensorsDType* dtype = FindDType(dtype_value->AsString());
  if (dtype == nullptr)
    FailLoading(file->path(), "tensor ", name, " has unknown dtype ", dtype_value->AsString());

  StoredTensor tensor;
  tensor.file = file;
  tensor.type = dtype->type;
  tensor.type_name = dtype->name;
  tensor.shape = ReadShape(entry.Find("shape"), *file, name);

  const JsonValue* offsets = entry.Find("data_offsets");
  if (offsets == nullptr || !offsets->is_array() || offsets->AsArray().size() != 2 ||
      !offsets->AsArray()[0].is_integer() || !offsets->AsArray()[1].is_integer()) {
    FailLoading(file->path(), "tensor ", name, " has no \"data_offsets\": [begin, end]");
  }
  const int64_t begin = offsets->AsArray()[0].AsInt64();
  const int64_t end = offsets->AsArray()[1].AsInt64();
  if (begin < 0 || end < begin)
    FailLoading(file->path(), "tensor ", name, " has data_offsets [", begin, ", ", end, "]");

  const std::optional<uint64_t> expected_bytes = CheckedByteSize(tensor.shape, dtype->size);
  tensor.n_bytes = static_cast<uint64_t>(end - begin);
  if (!expected_bytes || *expected_bytes != tensor.n_bytes) {
    FailLoading(file->path(), "tensor ", name, " of shape ", ShapeString(tensor.shape), " and dtype ",
                dtype->name, " needs ", expected_bytes ? *expected_bytes : 0, " bytes but data_offsets [",
                begin, ", ", end, "] span ", tensor.n_bytes);
  }
  tensor.offset = data_start + static_cast<uint64_t>(begin);
  if (!file->Contains(tensor.offset, tensor.n_bytes)) {
    FailLoading(file->path(), "truncated safetensors file: tensor ", name, " ends at byte ",
                tensor.offset + tensor.n_bytes, ", beyond the end of the file (", file->size(), " bytes)");
  }
  return tensor;
}

}  // namespace

std::vector<NamedTensor> ReadSafetensors(const std::shared_ptr<MappedFile>& file) {
  if (file->size() < kHeaderLengthBytes) {
    FailLoading(file->path(), "truncated safetensors file: ", file->size(),
                " bytes, shorter than the 8-byte header length");
  }
  const uint64_t header_bytes = ReadLittleEndian<uint64_t>(file->data());
  if (header_bytes > kMaxHeaderBytes) {
    FailLoading(file->path(), "not a safetensors file: header length ", header_bytes, " exceeds ",
                kMaxHeaderBytes, " bytes");
  }
  if (!file->Contains(kHeaderLengthBytes, header_bytes)) {
    FailLoading(file->path(), "truncated safetensors file: the ", header_bytes, "-byte header ends at byte ",
                kHeaderLengthBytes + header_bytes, ", beyond the end of the file (", file->size(), " bytes)");
  }
  const std::string_view header_text(reinterpret_cast<const char*>(file->data()) + kHeaderLengthBytes,
                                     header_bytes);
  const JsonValue header = ParseJson(header_text, file->path() + " (safetensors header)");
  if (!header.is_object())
    FailLoading(file->path(), "the safetensors header is not a JSON object");

  const uint64_t data_start = kHeaderLengthBytes + header_bytes;
  std::vector<NamedTensor> tensors;
  tensors.reserve(header.AsObject().size());
  for (const JsonValue::Member& member : header.AsObject()) {
    if (member.first == "__metadata__")
      continue;
    tensors.push_back({member.first, ReadEntry(member.first, member.second, file, data_start)});
  }
  return tensors;
}

}  // namespace verbatim
