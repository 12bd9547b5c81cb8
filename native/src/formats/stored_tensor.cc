#include "formats/stored_tensor.h"

#include <limits>

namespace verbatim {

int64_t StoredTensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::optional<DType> ComputeDType(StoredType type) {
  switch (type) {
    case StoredType::kF32:
      return DType::kF32;
    case StoredType::kF16:
      return DType::kF16;
    case StoredType::kBF16:
      return DType::kBF16;
    case StoredType::kU32:
    case StoredType::kOther:
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<uint64_t> CheckedByteSize(const std::vector<int64_t>& shape, uint64_t element_size) {
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  uint64_t bytes = element_size;
  for (int64_t d : shape) {
    if (d < 0)
      return std::nullopt;
    const auto dim = static_cast<uint64_t>(d);
    if (dim != 0 && bytes > kMax / dim)
      return std::nullopt;
    bytes *= dim;
  }
  return bytes;
}

}  // namespace verbatim
