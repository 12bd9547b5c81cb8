// Reading little-endian integers from unaligned file bytes (every model format stores them so).
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

namespace verbatim {

/** The T stored little-endian at `bytes` (any alignment). The engine targets little-endian hosts only. */
template <typename T>
T ReadLittleEndian(const uint8_t* bytes) {
  static_assert(std::is_trivially_copyable_v<T>);
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
                "model files are read on little-endian hosts only");
  T value;
  std::memcpy(&value, bytes, sizeof value);
  return value;
}

}  // namespace verbatim
