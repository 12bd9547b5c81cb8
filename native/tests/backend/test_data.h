// Test data shared by the backend and model tests: seeded random values, host tensors, f16/bf16 encodings
// with independently computed values, and error measures.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "tensor/tensor.h"

namespace verbatim::testing {

inline std::vector<float> RandomFloats(std::size_t n, uint32_t seed, float low = -1.0f, float high = 1.0f) {
  std::mt19937 generator(seed);
  std::uniform_real_distribution<float> distribution(low, high);
  std::vector<float> values(n);
  for (float& value : values)
    value = distribution(generator);
  return values;
}

/** A CPU f32 tensor holding `values`. */
inline Tensor F32Tensor(const std::vector<int64_t>& shape, const std::vector<float>& values) {
  Tensor tensor = Tensor::Zeros(DType::kF32, shape);
  std::memcpy(tensor.raw(), values.data(), tensor.nbytes());
  return tensor;
}

inline std::vector<float> ToVector(const Tensor& tensor) {
  const float* data = tensor.data<float>();
  return std::vector<float>(data, data + tensor.numel());
}

/** Weights of one dtype: the stored bits and the exact value of each, computed without the code under test.
 */
struct EncodedWeights {
  Tensor tensor;
  std::vector<double> values;
};

/** Random f16 values in ±[2^-5, 4): sign, exponent e and mantissa m drawn, value = ±2^(e-15)·(1 + m/1024). */
inline EncodedWeights RandomHalfWeights(const std::vector<int64_t>& shape, uint32_t seed) {
  EncodedWeights weights{Tensor::Zeros(DType::kF16, shape), {}};
  std::mt19937 generator(seed);
  uint16_t* bits = weights.tensor.data<uint16_t>();
  for (int64_t i = 0; i < weights.tensor.numel(); ++i) {
    const uint32_t sign = generator() & 1u, exponent = 10 + generator() % 7, mantissa = generator() % 1024;
    bits[i] = static_cast<uint16_t>((sign << 15) | (exponent << 10) | mantissa);
    const double value = std::ldexp(1.0 + mantissa / 1024.0, static_cast<int>(exponent) - 15);
    weights.values.push_back(sign != 0 ? -value : value);
  }
  return weights;
}

/** Random bf16 values: the top half of random f32 values in [-1, 1). */
inline EncodedWeights RandomBFloat16Weights(const std::vector<int64_t>& shape, uint32_t seed) {
  EncodedWeights weights{Tensor::Zeros(DType::kBF16, shape), {}};
  const std::vector<float> source = RandomFloats(static_cast<std::size_t>(weights.tensor.numel()), seed);
  uint16_t* bits = weights.tensor.data<uint16_t>();
  for (std::size_t i = 0; i < source.size(); ++i) {
    uint32_t word;
    std::memcpy(&word, &source[i], sizeof word);
    word &= 0xffff0000u;
    bits[i] = static_cast<uint16_t>(word >> 16);
    float truncated;
    std::memcpy(&truncated, &word, sizeof truncated);
    weights.values.push_back(truncated);
  }
  return weights;
}

inline EncodedWeights RandomF32Weights(const std::vector<int64_t>& shape, uint32_t seed) {
  EncodedWeights weights{Tensor::Zeros(DType::kF32, shape), {}};
  const std::vector<float> source = RandomFloats(static_cast<std::size_t>(weights.tensor.numel()), seed);
  std::memcpy(weights.tensor.raw(), source.data(), weights.tensor.nbytes());
  weights.values.assign(source.begin(), source.end());
  return weights;
}

inline EncodedWeights RandomWeights(DType dtype, const std::vector<int64_t>& shape, uint32_t seed) {
  switch (dtype) {
    case DType::kF16:
      return RandomHalfWeights(shape, seed);
    case DType::kBF16:
      return RandomBFloat16Weights(shape, seed);
    case DType::kF32:
      break;
  }
  return RandomF32Weights(shape, seed);
}

inline double MaxAbsDifference(const std::vector<float>& actual, const std::vector<double>& expected) {
  double max = 0.0;
  for (std::size_t i = 0; i < actual.size(); ++i)
    max = std::fmax(max, std::fabs(actual[i] - expected[i]));
  return max;
}

/** ‖actual − expected‖₂ / ‖expected‖₂. */
template <typename Expected>
double RelativeL2(const std::vector<float>& actual, const std::vector<Expected>& expected) {
  double error = 0.0, norm = 0.0;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    const double difference = static_cast<double>(actual[i]) - static_cast<double>(expected[i]);
    error += difference * difference;
    norm += static_cast<double>(expected[i]) * static_cast<double>(expected[i]);
  }
  return std::sqrt(error / norm);
}

}  // namespace verbatim::testing

namespace verbatim::testing {

/** f32 → IEEE half, rounding to nearest even (subnormals included; overflow to infinity). */
inline uint16_t FloatToHalf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  const uint32_t sign = (bits >> 16) & 0x8000u;
  const int32_t exponent = static_cast<int32_t>((bits >> 23) & 0xffu) - 127 + 15;
  uint32_t mantissa = bits & 0x7fffffu;
  if (exponent >= 31)
    return static_cast<uint16_t>(sign | 0x7c00u);
  if (exponent <= 0) {
    if (exponent < -10)
      return static_cast<uint16_t>(sign);
    mantissa |= 0x800000u;
    const int shift = 14 - exponent;
    uint32_t half = mantissa >> shift;
    const uint32_t remainder = mantissa & ((1u << shift) - 1), halfway = 1u << (shift - 1);
    if (remainder > halfway || (remainder == halfway && (half & 1u)))
      ++half;
    return static_cast<uint16_t>(sign | half);
  }
  uint32_t half = sign | (static_cast<uint32_t>(exponent) << 10) | (mantissa >> 13);
  const uint32_t remainder = mantissa & 0x1fffu;
  if (remainder > 0x1000u || (remainder == 0x1000u && (half & 1u)))
    ++half;  // may carry into the exponent: right
  return static_cast<uint16_t>(half);
}

/** f32 → bfloat16, rounding to nearest even. */
inline uint16_t FloatToBFloat16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return static_cast<uint16_t>((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

}  // namespace verbatim::testing
