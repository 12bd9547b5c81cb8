// Every SIMD level's kernels against double-precision references, at lengths that exercise the vector bodies
// and their tails. Levels this CPU cannot run are skipped (and named in the output).
#include "backend/cpu/simd_kernels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "backend/test_data.h"

namespace verbatim {
namespace {

using testing::EncodedWeights;
using testing::MaxAbsDifference;
using testing::RandomFloats;
using testing::RandomWeights;

const int64_t kLengths[] = {0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64, 384, 1001};

double ReferenceGelu(double x) {
  return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
}

class SimdKernelsTest : public ::testing::TestWithParam<SimdLevel> {
 protected:
  void SetUp() override {
    if (!CpuSupports(GetParam()))
      GTEST_SKIP() << "this CPU cannot run " << SimdLevelName(GetParam());
  }
  const SimdKernels& kernels() const { return SimdKernelsFor(GetParam()); }
};

TEST_P(SimdKernelsTest, AddMatchesDoubleReference) {
  for (int64_t n : kLengths) {
    const auto x = RandomFloats(n, 3), y = RandomFloats(n, 4);
    auto sum = y;
    sum.push_back(-7.0f);
    kernels().add(x.data(), sum.data(), n);
    std::vector<double> expected(n);
    for (int64_t i = 0; i < n; ++i)
      expected[i] = static_cast<double>(y[i]) + x[i];
    EXPECT_LE(MaxAbsDifference({sum.begin(), sum.end() - 1}, expected), 1e-6) << "n=" << n;
    EXPECT_EQ(sum.back(), -7.0f) << "wrote past n=" << n;
  }
}

TEST_P(SimdKernelsTest, BiasGeluMatchesErfGelu) {
  for (int64_t n : kLengths) {
    const auto y = RandomFloats(n, 5, -6.0f, 6.0f), bias = RandomFloats(n, 6);
    auto with_bias = y, without_bias = y;
    kernels().bias_gelu(bias.data(), with_bias.data(), n);
    kernels().bias_gelu(nullptr, without_bias.data(), n);
    std::vector<double> expected_with(n), expected_without(n);
    for (int64_t i = 0; i < n; ++i) {
      expected_with[i] = ReferenceGelu(static_cast<double>(y[i]) + bias[i]);
      expected_without[i] = ReferenceGelu(y[i]);
    }
    // A&S 7.1.26's erf is within 1.5e-7; times |x|/2 <= 3.5 here.
    EXPECT_LE(MaxAbsDifference(with_bias, expected_with), 2e-6) << "n=" << n;
    EXPECT_LE(MaxAbsDifference(without_bias, expected_without), 2e-6) << "n=" << n;
  }
}

TEST_P(SimdKernelsTest, GeluTailsStayWithinTheErfApproximationsBound) {
  std::vector<float> y = {-3.0f, -4.0f, -5.0f, -6.0f, -7.0f, -8.0f, -9.0f, -10.0f, -30.0f, 8.0f, 30.0f};
  const std::vector<float> input = y;
  kernels().bias_gelu(nullptr, y.data(), static_cast<int64_t>(y.size()));
  for (std::size_t i = 0; i < y.size(); ++i) {
    // 1.5e-7 · |x| / 2 from the erf approximation, plus f32 rounding of the result.
    EXPECT_NEAR(y[i], ReferenceGelu(input[i]),
                1e-7 * std::fabs(input[i]) + 4e-7 * std::fabs(ReferenceGelu(input[i])))
        << "x=" << input[i];
  }
}

TEST_P(SimdKernelsTest, LayerNormMatchesDoubleReference) {
  for (int64_t n : kLengths) {
    if (n == 0)
      continue;
    const auto x = RandomFloats(n, 7, -3.0f, 5.0f), gain = RandomFloats(n, 8), offset = RandomFloats(n, 9);
    std::vector<float> out(n);
    kernels().layer_norm(x.data(), gain.data(), offset.data(), 1e-5f, n, out.data());
    const double mean = std::accumulate(x.begin(), x.end(), 0.0) / n;
    double variance = 0.0;
    for (float value : x)
      variance += (value - mean) * (value - mean);
    variance /= n;
    std::vector<double> expected(n);
    for (int64_t i = 0; i < n; ++i)
      expected[i] = (x[i] - mean) / std::sqrt(variance + 1e-5) * gain[i] + offset[i];
    EXPECT_LE(MaxAbsDifference(out, expected), 2e-5) << "n=" << n;
    // In place.
    auto in_place = x;
    kernels().layer_norm(in_place.data(), gain.data(), offset.data(), 1e-5f, n, in_place.data());
    EXPECT_EQ(in_place, out) << "n=" << n;
  }
}

TEST_P(SimdKernelsTest, SoftmaxMatchesDoubleReference) {
  for (int64_t n : kLengths) {
    auto x = RandomFloats(n, 10, -20.0f, 30.0f);
    const auto input = x;
    kernels().softmax(x.data(), n);
    double max = -INFINITY, sum = 0.0;
    for (float value : input)
      max = std::fmax(max, value);
    for (float value : input)
      sum += std::exp(value - max);
    std::vector<double> expected(n);
    for (int64_t i = 0; i < n; ++i)
      expected[i] = std::exp(input[i] - max) / sum;
    for (int64_t i = 0; i < n; ++i) {
      EXPECT_NEAR(x[i], expected[i], 1e-6 * expected[i] + 1e-12) << "n=" << n << " i=" << i;
    }
  }
}

TEST_P(SimdKernelsTest, MaxAndSumExpMatchesDoubleReferenceAndIgnoresMinusInfinity) {
  for (int64_t n : kLengths) {
    auto x = RandomFloats(n, 11, -30.0f, 25.0f);
    for (int64_t i = 0; i < n; i += 3)
      x[i] = -INFINITY;  // suppressed tokens
    float max = 0.0f;
    double sum = -1.0;
    kernels().max_and_sum_exp(x.data(), n, &max, &sum);
    double expected_max = -INFINITY, expected_sum = 0.0;
    for (float value : x)
      expected_max = std::fmax(expected_max, value);
    if (expected_max > -INFINITY) {
      for (float value : x)
        expected_sum += std::exp(static_cast<double>(value) - expected_max);
    }
    EXPECT_EQ(max, static_cast<float>(expected_max)) << "n=" << n;
    EXPECT_NEAR(sum, expected_sum, 1e-6 * expected_sum) << "n=" << n;
  }
  // A vocabulary-sized row, all −∞ but one: the sum is that one term, e^0.
  std::vector<float> row(51866, -INFINITY);
  row[1234] = 3.5f;
  float max = 0.0f;
  double sum = 0.0;
  kernels().max_and_sum_exp(row.data(), static_cast<int64_t>(row.size()), &max, &sum);
  EXPECT_EQ(max, 3.5f);
  EXPECT_NEAR(sum, 1.0, 1e-9);
  std::fill(row.begin(), row.end(), -INFINITY);
  kernels().max_and_sum_exp(row.data(), static_cast<int64_t>(row.size()), &max, &sum);
  EXPECT_EQ(max, -INFINITY);
  EXPECT_EQ(sum, 0.0);
}

TEST_P(SimdKernelsTest, ArgmaxFindsTheFirstLargestValue) {
  for (int64_t n : kLengths) {
    auto x = RandomFloats(n, 12, -5.0f, 5.0f);
    for (int64_t i = 1; i < n; i += 4)
      x[i] = -INFINITY;
    const int64_t expected = n == 0 ? 0 : std::max_element(x.begin(), x.end()) - x.begin();
    EXPECT_EQ(kernels().argmax(x.data(), n), expected) << "n=" << n;
    if (n >= 3) {  // ties: the first wins
      x[n - 1] = 9.0f;
      x[n / 2] = 9.0f;
      EXPECT_EQ(kernels().argmax(x.data(), n), n / 2) << "n=" << n;
    }
  }
  const std::vector<float> minus_infinity(51866, -INFINITY);
  EXPECT_EQ(kernels().argmax(minus_infinity.data(), 51866), 0);
}

TEST_P(SimdKernelsTest, WidensHalfAndBFloat16Exactly) {
  for (int64_t n : kLengths) {
    for (DType dtype : {DType::kF16, DType::kBF16}) {
      const EncodedWeights weights = RandomWeights(dtype, {n}, 11);
      std::vector<float> out(n);
      const auto convert = dtype == DType::kF16 ? kernels().f16_to_f32 : kernels().bf16_to_f32;
      convert(weights.tensor.data<uint16_t>(), out.data(), n);
      EXPECT_EQ(MaxAbsDifference(out, weights.values), 0.0) << DTypeName(dtype) << " n=" << n;
    }
  }
}

TEST_P(SimdKernelsTest, WidensHalfSpecialValues) {
  const uint16_t halves[] = {0x0000, 0x8000, 0x0001, 0x03ff, 0x0400, 0x3c00, 0xc000, 0x7bff, 0x7c00, 0xfc00};
  const double expected[] = {0.0,
                             -0.0,
                             std::ldexp(1.0, -24),
                             std::ldexp(1023.0, -24),
                             std::ldexp(1.0, -14),
                             1.0,
                             -2.0,
                             65504.0,
                             INFINITY,
                             -INFINITY};
  float out[10];
  kernels().f16_to_f32(halves, out, 10);
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(out[i], expected[i]) << "half 0x" << std::hex << halves[i];
  const uint16_t nan = 0x7e00;
  kernels().f16_to_f32(&nan, out, 1);
  EXPECT_TRUE(std::isnan(out[0]));
}

TEST_P(SimdKernelsTest, RowsDotMatchesDoubleReferenceForEveryWeightType) {
  for (DType dtype : {DType::kF32, DType::kF16, DType::kBF16}) {
    for (int64_t n_x_rows : {1, 2, 3, 4, 5, 8}) {
      for (int64_t k_dim : {1, 7, 16, 33, 384}) {
        for (int64_t padding : {0, 5}) {  // weight rows further apart than k_dim: keys in a wider matrix
          const int64_t n_w_rows = 11, ldo = n_w_rows + 3, ldw = k_dim + padding;
          const EncodedWeights weights = RandomWeights(dtype, {n_w_rows, ldw}, 12);
          const auto x = RandomFloats(n_x_rows * k_dim, 13);
          std::vector<float> out(n_x_rows * ldo, -7.0f);
          switch (dtype) {
            case DType::kF32:
              kernels().rows_dot_f32(x.data(), n_x_rows, k_dim, weights.tensor.data<float>(), ldw, n_w_rows,
                                     out.data(), ldo);
              break;
            case DType::kF16:
              kernels().rows_dot_f16(x.data(), n_x_rows, k_dim, weights.tensor.data<uint16_t>(), ldw,
                                     n_w_rows, out.data(), ldo);
              break;
            case DType::kBF16:
              kernels().rows_dot_bf16(x.data(), n_x_rows, k_dim, weights.tensor.data<uint16_t>(), ldw,
                                      n_w_rows, out.data(), ldo);
              break;
          }
          for (int64_t m = 0; m < n_x_rows; ++m) {
            for (int64_t r = 0; r < ldo; ++r) {
              if (r >= n_w_rows) {
                EXPECT_EQ(out[m * ldo + r], -7.0f) << "wrote outside its columns";
                continue;
              }
              double expected = 0.0, magnitude = 0.0;
              for (int64_t k = 0; k < k_dim; ++k) {
                expected += x[m * k_dim + k] * weights.values[r * ldw + k];
                magnitude += std::fabs(x[m * k_dim + k] * weights.values[r * ldw + k]);
              }
              EXPECT_NEAR(out[m * ldo + r], expected, 1e-6 * magnitude + 1e-7)
                  << DTypeName(dtype) << " m=" << n_x_rows << " k=" << k_dim << " ldw=" << ldw;
            }
          }
        }
      }
    }
  }
}

TEST_P(SimdKernelsTest, WeightedRowSumMatchesDoubleReference) {
  for (int64_t width : {1, 7, 8, 16, 20, 64, 100}) {
    for (int64_t n_rows : {0, 1, 5, 300}) {
      const int64_t ldr = width + 3;
      const auto weights = RandomFloats(n_rows, 14, 0.0f, 1.0f), rows = RandomFloats(n_rows * ldr, 15);
      std::vector<float> out(width + 1, -7.0f);
      kernels().weighted_row_sum(weights.data(), n_rows, rows.data(), ldr, width, out.data());
      std::vector<double> expected(width, 0.0);
      for (int64_t j = 0; j < n_rows; ++j) {
        for (int64_t i = 0; i < width; ++i)
          expected[i] += static_cast<double>(weights[j]) * rows[j * ldr + i];
      }
      EXPECT_LE(MaxAbsDifference({out.begin(), out.begin() + width}, expected), 1e-6 * (n_rows + 1))
          << "width=" << width << " rows=" << n_rows;
      EXPECT_EQ(out[width], -7.0f) << "wrote past the width";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Levels,
                         SimdKernelsTest,
                         ::testing::Values(SimdLevel::kScalar, SimdLevel::kAvx2, SimdLevel::kAvx512),
                         [](const ::testing::TestParamInfo<SimdLevel>& info) {
                           return std::string(SimdLevelName(info.param));
                         });

TEST(SimdDispatch, BestLevelIsOneThisCpuRuns) {
  EXPECT_TRUE(CpuSupports(BestSimdKernels().level));
  EXPECT_TRUE(CpuSupports(SimdLevel::kScalar));
}

TEST(SimdDispatch, SimdPathsAgreeWithScalarOnTheSameInputs) {
  const SimdKernels& scalar = SimdKernelsFor(SimdLevel::kScalar);
  for (SimdLevel level : {SimdLevel::kAvx2, SimdLevel::kAvx512}) {
    if (!CpuSupports(level))
      continue;
    const SimdKernels& simd = SimdKernelsFor(level);
    const int64_t n = 1001;
    auto a = RandomFloats(n, 20, -4.0f, 4.0f), b = a;
    scalar.bias_gelu(nullptr, a.data(), n);
    simd.bias_gelu(nullptr, b.data(), n);
    for (int64_t i = 0; i < n; ++i)
      EXPECT_NEAR(a[i], b[i], 1e-6) << SimdLevelName(level);
    a = RandomFloats(n, 21, -10.0f, 10.0f);
    b = a;
    scalar.softmax(a.data(), n);
    simd.softmax(b.data(), n);
    // Sums of 1001 terms in another order: a few ulps apart.
    for (int64_t i = 0; i < n; ++i)
      EXPECT_NEAR(a[i], b[i], 4e-6 * a[i] + 1e-12) << SimdLevelName(level);
  }
}

}  // namespace
}  // namespace verbatim
