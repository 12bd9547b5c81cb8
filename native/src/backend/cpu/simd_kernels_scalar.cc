// Portable kernels: the fallback for CPUs without AVX2, and the reference the SIMD builds are tested against.
#include <cmath>
#include <cstring>
#include <limits>

#include "backend/cpu/simd_kernels.h"

namespace verbatim {
namespace {

constexpr float kInverseSqrt2 = 0.70710678118654752f;

void Add(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    y[i] += x[i];
}

void BiasGelu(const float* bias, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float v = bias != nullptr ? y[i] + bias[i] : y[i];
    y[i] = 0.5f * v * std::erfc(-v * kInverseSqrt2);  // 1 + erf(z) without cancellation for z < 0
  }
}

void LayerNorm(const float* x, const float* gain, const float* offset, float eps, int64_t n, float* out) {
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i)
    sum += x[i];
  const float mean = sum / static_cast<float>(n);
  float squares = 0.0f;
  for (int64_t i = 0; i < n; ++i)
    squares += (x[i] - mean) * (x[i] - mean);
  const float inverse_std = 1.0f / std::sqrt(squares / static_cast<float>(n) + eps);
  for (int64_t i = 0; i < n; ++i)
    out[i] = (x[i] - mean) * inverse_std * gain[i] + offset[i];
}

void Softmax(float* x, int64_t n) {
  if (n == 0)
    return;
  float max = x[0];
  for (int64_t i = 1; i < n; ++i)
    max = x[i] > max ? x[i] : max;
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - max);
    sum += x[i];
  }
  const float inverse_sum = 1.0f / sum;
  for (int64_t i = 0; i < n; ++i)
    x[i] *= inverse_sum;
}

float HalfToFloat(uint16_t half) {
  const uint32_t sign = static_cast<uint32_t>(half & 0x8000u) << 16;
  const uint32_t exponent = (half >> 10) & 0x1fu;
  const uint32_t mantissa = half & 0x3ffu;
  if (exponent == 0) {
    // Zero or subnormal: mantissa · 2^-24, exact in f32.
    const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign != 0 ? -magnitude : magnitude;
  }
  const uint32_t bits = exponent == 0x1f ? sign | 0x7f800000u | (mantissa << 13)  // inf / NaN
                                         : sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

float BFloat16ToFloat(uint16_t bf16) {
  const uint32_t bits = static_cast<uint32_t>(bf16) << 16;
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

void HalfsToFloats(const uint16_t* in, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    out[i] = HalfToFloat(in[i]);
}

void BFloat16sToFloats(const uint16_t* in, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    out[i] = BFloat16ToFloat(in[i]);
}

template <float (*kToFloat)(uint16_t)>
struct Narrow {
  static float Widen(uint16_t value) { return kToFloat(value); }
};

template <typename Weight, typename Widener>
void RowsDot(const float* x,
             int64_t n_x_rows,
             int64_t k_dim,
             const Weight* w,
             int64_t ldw,
             int64_t n_w_rows,
             float* out,
             int64_t ldo) {
  for (int64_t r = 0; r < n_w_rows; ++r) {
    const Weight* row = w + r * ldw;
    for (int64_t m = 0; m < n_x_rows; ++m) {
      const float* x_row = x + m * k_dim;
      float sum = 0.0f;
      for (int64_t k = 0; k < k_dim; ++k)
        sum += x_row[k] * Widener::Widen(row[k]);
      out[m * ldo + r] = sum;
    }
  }
}

struct F32Widener {
  static float Widen(float value) { return value; }
};

void WeightedRowSum(
    const float* weights, int64_t n_rows, const float* rows, int64_t ldr, int64_t width, float* out) {
  for (int64_t i = 0; i < width; ++i) {
    float sum = 0.0f;
    for (int64_t j = 0; j < n_rows; ++j)
      sum += weights[j] * rows[j * ldr + i];
    out[i] = sum;
  }
}

void MaxAndSumExp(const float* x, int64_t n, float* max_out, double* sum_out) {
  float max = -std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < n; ++i)
    max = x[i] > max ? x[i] : max;
  *max_out = max;
  *sum_out = 0.0;
  if (max == -std::numeric_limits<float>::infinity())
    return;
  constexpr int64_t kBlock = 1024;
  for (int64_t start = 0; start < n; start += kBlock) {
    float sum = 0.0f;
    for (int64_t i = start; i < n && i < start + kBlock; ++i)
      sum += std::exp(x[i] - max);
    *sum_out += sum;
  }
}

int64_t ArgMax(const float* x, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i) {
    if (x[i] > x[best])
      best = i;
  }
  return best;
}

constexpr SimdKernels kScalarKernels = {
    SimdLevel::kScalar,
    Add,
    BiasGelu,
    LayerNorm,
    Softmax,
    MaxAndSumExp,
    ArgMax,
    HalfsToFloats,
    BFloat16sToFloats,
    RowsDot<float, F32Widener>,
    RowsDot<uint16_t, Narrow<HalfToFloat>>,
    RowsDot<uint16_t, Narrow<BFloat16ToFloat>>,
    WeightedRowSum,
};

}  // namespace

const SimdKernels& ScalarSimdKernels() {
  return kScalarKernels;
}

}  // namespace verbatim
