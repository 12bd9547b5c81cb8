// IEEE binary16 and bfloat16 to float32, exact (every 16-bit value is a float32), for the loaders'
// conversions (quantization scales) and tests. Not a compute kernel: the backend has its own vectorised
// conversions.
#pragma once

#include <cstdint>
#include <cstring>

namespace verbatim {

inline float BitsToFloat(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

/** binary16 (1 sign, 5 exponent, 10 mantissa bits), subnormals, infinities and NaN included. */
inline float HalfToFloat(uint16_t half) {
  const uint32_t sign = static_cast<uint32_t>(half & 0x8000u) << 16;
  const uint32_t exponent = (half >> 10) & 0x1Fu;
  uint32_t mantissa = half & 0x3FFu;
  if (exponent == 0x1F)
    return BitsToFloat(sign | 0x7F800000u | (mantissa << 13));
  if (exponent != 0)
    return BitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
  if (mantissa == 0)
    return BitsToFloat(sign);
  // Subnormal: shift the leading one into the implicit bit; each shift lowers the exponent by one.
  int shifts = 0;
  while ((mantissa & 0x400u) == 0) {
    mantissa <<= 1;
    ++shifts;
  }
  return BitsToFloat(sign | static_cast<uint32_t>(113 - shifts) << 23 | ((mantissa & 0x3FFu) << 13));
}

/** bfloat16 is the top half of a float32. */
inline float BFloat16ToFloat(uint16_t value) {
  return BitsToFloat(static_cast<uint32_t>(value) << 16);
}

}  // namespace verbatim
