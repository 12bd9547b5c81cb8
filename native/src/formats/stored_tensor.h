// A tensor as a file stores it: where its bytes are, their type as the file names it, and the stored shape.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "formats/mapped_file.h"
#include "verbatim/engine.h"

namespace verbatim {

/** Element types the loaders act on; every other type a file may hold is kOther (named by type_name). */
enum class StoredType { kF32, kF16, kBF16, kU32, kOther };

struct StoredTensor {
  std::shared_ptr<MappedFile> file;
  /** Byte range of the data in `file`, already checked to lie inside it and to match shape × element size. */
  uint64_t offset = 0;
  uint64_t n_bytes = 0;
  StoredType type = StoredType::kOther;
  /** The type as the file spells it ("F32", "<f2", "ggml type 1"), for error messages. */
  std::string type_name;
  std::vector<int64_t> shape;

  const uint8_t* bytes() const { return file->data() + offset; }
  int64_t numel() const;
};

/** The compute dtype a stored type is viewed as; nullopt for kU32 and kOther. */
std::optional<DType> ComputeDType(StoredType type);

/**
 * shape × element_size in bytes, or nullopt when a dimension is negative or the product overflows (a corrupt
 * header must not wrap around into a small, valid-looking size).
 */
std::optional<uint64_t> CheckedByteSize(const std::vector<int64_t>& shape, uint64_t element_size);

/** A stored tensor with the name its file gives it. */
struct NamedTensor {
  std::string name;
  StoredTensor tensor;
};

}  // namespace verbatim
