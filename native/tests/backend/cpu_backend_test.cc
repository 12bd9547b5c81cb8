// The CPU backend's operations against naive double-precision references, for every weight dtype, both GEMM
// paths (few rows / many rows), both attention paths (dots / sgemm), masks and per-sequence lengths.
#include "backend/cpu/cpu_backend.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "audio/audio_constants.h"
#include "audio/log_mel.h"
#include "backend/test_data.h"

namespace verbatim {
namespace {

using testing::EncodedWeights;
using testing::F32Tensor;
using testing::RandomFloats;
using testing::RandomWeights;
using testing::ToVector;

double Gelu(double x) {
  return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
}

/** Expects |actual − expected| <= tolerance · (scale + 1e-3) element by element. */
void ExpectClose(const std::vector<float>& actual,
                 const std::vector<double>& expected,
                 const std::vector<double>& scale,
                 double tolerance,
                 const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  int failures = 0;
  for (std::size_t i = 0; i < actual.size() && failures < 5; ++i) {
    if (!(std::fabs(actual[i] - expected[i]) <= tolerance * (scale[i] + 1e-3))) {
      ADD_FAILURE() << what << " element " << i << ": " << actual[i] << " vs " << expected[i];
      ++failures;
    }
  }
}

class CpuBackendTest : public ::testing::TestWithParam<SimdLevel> {
 protected:
  void SetUp() override {
    if (!CpuSupports(GetParam()))
      GTEST_SKIP() << "this CPU cannot run " << SimdLevelName(GetParam());
    backend_ = std::make_unique<CpuBackend>(2, SimdKernelsFor(GetParam()));
  }
  CpuBackend& backend() { return *backend_; }

 private:
  std::unique_ptr<CpuBackend> backend_;
};

TEST_P(CpuBackendTest, LinearMatchesDoubleReferenceForEveryDtypePathAndEpilogue) {
  struct Case {
    int64_t m, n, k;
  };
  // m <= 8 takes the rows_dot path, larger m sgemm tiles (256 rows × 512 weight rows; 2100 columns of
  // f16/bf16 cap the widened tile at 496 rows).
  const Case cases[] = {{1, 37, 96}, {3, 530, 64}, {8, 20, 33}, {9, 530, 96}, {300, 70, 40}, {20, 600, 2100}};
  for (DType dtype : {DType::kF32, DType::kF16, DType::kBF16}) {
    for (const Case& c : cases) {
      const EncodedWeights weight = RandomWeights(dtype, {c.n, c.k}, 31);
      const auto x = RandomFloats(c.m * c.k, 32), bias = RandomFloats(c.n, 33),
                 initial = RandomFloats(c.m * c.n, 34);
      for (LinearEpilogue epilogue :
           {LinearEpilogue::kStore, LinearEpilogue::kGelu, LinearEpilogue::kAccumulate}) {
        for (bool with_bias : {true, false}) {
          Tensor out = F32Tensor({c.m, c.n}, initial);
          backend().Linear(F32Tensor({c.m, c.k}, x), weight.tensor,
                           with_bias ? F32Tensor({c.n}, bias) : Tensor(), epilogue, out);
          std::vector<double> expected(c.m * c.n), scale(c.m * c.n);
          for (int64_t i = 0; i < c.m; ++i) {
            for (int64_t j = 0; j < c.n; ++j) {
              double sum = with_bias ? bias[j] : 0.0, magnitude = std::fabs(sum);
              for (int64_t p = 0; p < c.k; ++p) {
                sum += x[i * c.k + p] * weight.values[j * c.k + p];
                magnitude += std::fabs(x[i * c.k + p] * weight.values[j * c.k + p]);
              }
              if (epilogue == LinearEpilogue::kGelu)
                sum = Gelu(sum);
              if (epilogue == LinearEpilogue::kAccumulate)
                sum += initial[i * c.n + j];
              expected[i * c.n + j] = sum;
              scale[i * c.n + j] = magnitude + 1.0;
            }
          }
          ExpectClose(ToVector(out), expected, scale, 2e-6,
                      std::string(DTypeName(dtype)) + " m=" + std::to_string(c.m) + " n=" +
                          std::to_string(c.n) + " epilogue=" + std::to_string(static_cast<int>(epilogue)) +
                          " bias=" + std::to_string(with_bias));
        }
      }
    }
  }
}

TEST_P(CpuBackendTest, LayerNormNormalisesEveryRow) {
  const int64_t rows = 100, width = 40;
  const auto x = RandomFloats(rows * width, 40, -2.0f, 3.0f), gain = RandomFloats(width, 41),
             offset = RandomFloats(width, 42);
  Tensor out = backend().Allocate({rows, width});
  backend().LayerNorm(F32Tensor({rows, width}, x), F32Tensor({width}, gain), F32Tensor({width}, offset), out);
  std::vector<double> expected(rows * width);
  for (int64_t r = 0; r < rows; ++r) {
    double mean = 0.0, variance = 0.0;
    for (int64_t i = 0; i < width; ++i)
      mean += x[r * width + i];
    mean /= width;
    for (int64_t i = 0; i < width; ++i)
      variance += (x[r * width + i] - mean) * (x[r * width + i] - mean);
    variance /= width;
    for (int64_t i = 0; i < width; ++i) {
      expected[r * width + i] = (x[r * width + i] - mean) / std::sqrt(variance + 1e-5) * gain[i] + offset[i];
    }
  }
  ExpectClose(ToVector(out), expected, std::vector<double>(expected.size(), 1.0), 1e-5, "layer norm");
}

TEST_P(CpuBackendTest, Conv1dGeluMatchesDirectConvolution) {
  for (DType dtype : {DType::kF32, DType::kF16}) {
    for (int stride : {1, 2}) {
      for (int64_t n_in_frames : {1, 2, 7, 100}) {
        const int64_t n_batch = 2, in_channels = 5, out_channels = 12;
        const int64_t n_out_frames = (n_in_frames - 1) / stride + 1;
        const EncodedWeights weight = RandomWeights(dtype, {out_channels, in_channels, 3}, 50);
        const auto x = RandomFloats(n_batch * n_in_frames * in_channels, 51),
                   bias = RandomFloats(out_channels, 52);
        Tensor out = backend().Allocate({n_batch, n_out_frames, out_channels});
        backend().Conv1dGelu(F32Tensor({n_batch, n_in_frames, in_channels}, x), weight.tensor,
                             F32Tensor({out_channels}, bias), stride, out);
        std::vector<double> expected, scale;
        for (int64_t b = 0; b < n_batch; ++b) {
          for (int64_t t = 0; t < n_out_frames; ++t) {
            for (int64_t o = 0; o < out_channels; ++o) {
              double sum = bias[o], magnitude = std::fabs(sum);
              for (int64_t c = 0; c < in_channels; ++c) {
                for (int64_t tap = 0; tap < 3; ++tap) {
                  const int64_t source = t * stride + tap - 1;
                  if (source < 0 || source >= n_in_frames)
                    continue;
                  const double term = x[(b * n_in_frames + source) * in_channels + c] *
                                      weight.values[(o * in_channels + c) * 3 + tap];
                  sum += term;
                  magnitude += std::fabs(term);
                }
              }
              expected.push_back(Gelu(sum));
              scale.push_back(magnitude + 1.0);
            }
          }
        }
        ExpectClose(ToVector(out), expected, scale, 2e-6,
                    std::string("conv ") + DTypeName(dtype) + " stride " + std::to_string(stride) +
                        " frames " + std::to_string(n_in_frames));
      }
    }
  }
}

/** Naive attention in double precision; past_lengths as Backend::Attention. */
std::vector<double> ReferenceAttention(const std::vector<float>& q,
                                       const std::vector<float>& k,
                                       const std::vector<float>& v,
                                       int64_t n_batch,
                                       int64_t n_queries,
                                       int64_t n_keys,
                                       int64_t d_model,
                                       int n_heads,
                                       const int* past_lengths) {
  const int64_t head_dim = d_model / n_heads;
  std::vector<double> out(n_batch * n_queries * d_model, 0.0);
  for (int64_t b = 0; b < n_batch; ++b) {
    for (int h = 0; h < n_heads; ++h) {
      for (int64_t i = 0; i < n_queries; ++i) {
        const int64_t visible = past_lengths == nullptr ? n_keys : past_lengths[b] + i + 1;
        std::vector<double> scores(visible);
        double max = -INFINITY, sum = 0.0;
        for (int64_t j = 0; j < visible; ++j) {
          double dot = 0.0;
          for (int64_t d = 0; d < head_dim; ++d) {
            dot += static_cast<double>(q[(b * n_queries + i) * d_model + h * head_dim + d]) *
                   k[(b * n_keys + j) * d_model + h * head_dim + d];
          }
          scores[j] = dot / std::sqrt(static_cast<double>(head_dim));
          max = std::fmax(max, scores[j]);
        }
        for (double& score : scores)
          sum += (score = std::exp(score - max));
        for (int64_t j = 0; j < visible; ++j) {
          for (int64_t d = 0; d < head_dim; ++d) {
            out[(b * n_queries + i) * d_model + h * head_dim + d] +=
                scores[j] / sum * v[(b * n_keys + j) * d_model + h * head_dim + d];
          }
        }
      }
    }
  }
  return out;
}

TEST_P(CpuBackendTest, AttentionMatchesReferenceWithAndWithoutCausalMask) {
  struct Case {
    int64_t n_queries, n_keys;
    std::vector<int> past_lengths;  // empty: unmasked
  };
  // 70 queries: two query blocks (sgemm path); 3 queries: the dot/axpy path; causal blocks start mid-cache.
  const Case cases[] = {{70, 90, {}},      {3, 90, {}},      {1, 1500, {}},    {12, 30, {5, 0}},
                        {3, 30, {27, 10}}, {1, 30, {0, 29}}, {70, 80, {0, 10}}};
  const int64_t n_batch = 2, d_model = 48;
  const int n_heads = 3;
  for (const Case& c : cases) {
    const auto q = RandomFloats(n_batch * c.n_queries * d_model, 60, -2.0f, 2.0f);
    auto k = RandomFloats(n_batch * c.n_keys * d_model, 61, -2.0f, 2.0f);
    const auto v = RandomFloats(n_batch * c.n_keys * d_model, 62);
    const int* past = c.past_lengths.empty() ? nullptr : c.past_lengths.data();
    if (past != nullptr) {
      // Cache rows no query may see hold NaN: reading one would poison the output.
      for (int64_t b = 0; b < n_batch; ++b) {
        for (int64_t j = past[b] + c.n_queries; j < c.n_keys; ++j) {
          for (int64_t d = 0; d < d_model; ++d)
            k[(b * c.n_keys + j) * d_model + d] = NAN;
        }
      }
    }
    Tensor out = backend().Allocate({n_batch, c.n_queries, d_model});
    backend().Attention(F32Tensor({n_batch, c.n_queries, d_model}, q),
                        F32Tensor({n_batch, c.n_keys, d_model}, k),
                        F32Tensor({n_batch, c.n_keys, d_model}, v), n_heads, past, out);
    const auto expected = ReferenceAttention(q, k, v, n_batch, c.n_queries, c.n_keys, d_model, n_heads, past);
    ExpectClose(ToVector(out), expected, std::vector<double>(expected.size(), 1.0), 2e-6,
                "attention q=" + std::to_string(c.n_queries) + " k=" + std::to_string(c.n_keys) +
                    (past ? " causal" : ""));
  }
}

TEST_P(CpuBackendTest, AttentionRejectsACacheTooShortForTheQueries) {
  const int past[] = {25};
  Tensor q = backend().Allocate({1, 8, 16}), kv = backend().Allocate({1, 30, 16}),
         out = backend().Allocate({1, 8, 16});
  try {
    backend().Attention(q, kv, kv, 2, past, out);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kInternal);
    EXPECT_STREQ(error.what(), "[CpuBackend::Attention] sequence 0: 25 + 8 positions exceed the cache's 30");
  }
}

TEST_P(CpuBackendTest, EmbedsTokensFromANarrowTableAndAddsPositions) {
  const int64_t vocabulary = 10, width = 20, positions = 8;
  const EncodedWeights table = RandomWeights(DType::kF16, {vocabulary, width}, 70);
  const auto position_table = RandomFloats(positions * width, 71);
  const int32_t tokens[] = {3, 9, 0, 3, 7, 1};  // 2 sequences × 3 tokens
  const int first_positions[] = {0, 5};
  Tensor x = backend().Allocate({2, 3, width});
  backend().EmbedTokens(tokens, table.tensor, x);
  backend().AddPositionalEmbedding(F32Tensor({positions, width}, position_table), first_positions, x);
  std::vector<double> expected;
  for (int b = 0; b < 2; ++b) {
    for (int t = 0; t < 3; ++t) {
      for (int d = 0; d < width; ++d) {
        expected.push_back(table.values[tokens[b * 3 + t] * width + d] +
                           position_table[(first_positions[b] + t) * width + d]);
      }
    }
  }
  ExpectClose(ToVector(x), expected, std::vector<double>(expected.size(), 1.0), 1e-6, "embedding");

  const int32_t bad[] = {10};
  Tensor one = backend().Allocate({1, width});
  try {
    backend().EmbedTokens(bad, table.tensor, one);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kInvalidArg);
    EXPECT_STREQ(error.what(), "[CpuBackend::EmbedTokens] token out of range [0, 10): 10");
  }
}

TEST_P(CpuBackendTest, CopyRowsAndTranspose) {
  const auto values = RandomFloats(2 * 4 * 3, 80);
  const Tensor src = F32Tensor({2, 4, 3}, values);
  Tensor dst = backend().Allocate({2, 6, 3});
  const int src_first[] = {1, 2}, dst_first[] = {4, 0};
  backend().CopyRows(src, src_first, 2, dst_first, dst);
  const auto copied = ToVector(dst);
  for (int b = 0; b < 2; ++b) {
    for (int row = 0; row < 6; ++row) {
      for (int d = 0; d < 3; ++d) {
        const bool written = row >= dst_first[b] && row < dst_first[b] + 2;
        const float expected = written ? values[(b * 4 + src_first[b] + row - dst_first[b]) * 3 + d] : 0.0f;
        EXPECT_EQ(copied[(b * 6 + row) * 3 + d], expected);
      }
    }
  }
  Tensor transposed = backend().Allocate({2, 3, 4});
  backend().Transpose(src, transposed);
  const auto result = ToVector(transposed);
  for (int b = 0; b < 2; ++b) {
    for (int r = 0; r < 4; ++r) {
      for (int c = 0; c < 3; ++c)
        EXPECT_EQ(result[(b * 3 + c) * 4 + r], values[(b * 4 + r) * 3 + c]);
    }
  }
}

TEST_P(CpuBackendTest, PrepareWeightKeepsMatricesInPlaceAndWidensVectors) {
  const EncodedWeights matrix = RandomWeights(DType::kF16, {4, 8}, 90);
  const Tensor prepared = backend().PrepareWeight(matrix.tensor, WeightUse::kMatrix);
  EXPECT_EQ(prepared.raw(), matrix.tensor.raw());
  EXPECT_EQ(backend().weight_copy_bytes(), 0u);
  const EncodedWeights vector = RandomWeights(DType::kBF16, {8}, 91);
  const Tensor widened = backend().PrepareWeight(vector.tensor, WeightUse::kVector);
  EXPECT_EQ(widened.dtype(), DType::kF32);
  EXPECT_EQ(testing::MaxAbsDifference(ToVector(widened), vector.values), 0.0);
  EXPECT_EQ(backend().weight_copy_bytes(), 8 * sizeof(float));
}

INSTANTIATE_TEST_SUITE_P(Levels,
                         CpuBackendTest,
                         ::testing::Values(SimdLevel::kScalar, SimdLevel::kAvx2, SimdLevel::kAvx512),
                         [](const ::testing::TestParamInfo<SimdLevel>& info) {
                           return std::string(SimdLevelName(info.param));
                         });

/** A backend that implements only the required members: every operation must fail loudly. */
class BareBackend final : public Backend {
 public:
  std::string name() const override { return "bare"; }
  Device device() const override { return Device::kCuda; }
  int n_threads() const override { return 1; }
  Tensor Allocate(const std::vector<int64_t>&, DType) override { return Tensor(); }
  Tensor PrepareWeight(const Tensor& weight, WeightUse) override { return weight; }
  std::size_t weight_copy_bytes() const override { return 0; }
  void Upload(const float*, Tensor&) override {}
  void Download(const Tensor&, float*) override {}
};

TEST(Backend, AMissingOperationFailsLoudly) {
  BareBackend backend;
  Tensor tensor;
  try {
    backend.Attention(tensor, tensor, tensor, 1, nullptr, tensor);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kBackend);
    EXPECT_STREQ(error.what(), "[Backend::Attention] not supported by the bare backend");
  }
  EXPECT_THROW(backend.Linear(tensor, tensor, tensor, LinearEpilogue::kStore, tensor), Error);
  EXPECT_THROW(backend.Conv1dGelu(tensor, tensor, tensor, 1, tensor), Error);
}

TEST(CpuBackend, LogMelIsComputeLogMelBatchOfThePaddedWindows) {
  CpuBackend backend(2);
  const int64_t n_batch = 2;
  // A window of noise and one of a single sample, zero-padded as Backend::LogMel takes them.
  std::vector<float> windows(n_batch * kWindowSamples, 0.0f);
  const std::vector<float> noise = RandomFloats(kWindowSamples, 3, -0.8f, 0.8f);
  std::copy(noise.begin(), noise.end(), windows.begin());
  windows[kWindowSamples] = 0.5f;
  for (int n_mels : {80, 128}) {
    Tensor out = Tensor::Zeros(DType::kF32, {n_batch, n_mels, static_cast<int64_t>(kWindowFrames)});
    backend.LogMel(F32Tensor({n_batch, static_cast<int64_t>(kWindowSamples)}, windows), n_mels, out);
    const float* rows[] = {noise.data(), &windows[kWindowSamples]};
    const std::size_t n_samples[] = {kWindowSamples, 1};
    std::vector<float> expected(static_cast<std::size_t>(out.numel()));
    ComputeLogMelBatch(rows, n_samples, 2, n_mels, expected.data(), 1);
    EXPECT_TRUE(ToVector(out) == expected) << n_mels << " mel bins";
  }
}

TEST(CpuBackend, RejectsTensorsOnAnotherDevice) {
  CpuBackend backend(1);
  Tensor device_tensor(DType::kF32, {4}, nullptr, nullptr, Device::kCuda);
  Tensor host = backend.Allocate({4});
  try {
    backend.LayerNorm(host, device_tensor, host, host);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kBackend);
    EXPECT_STREQ(error.what(), "[CpuBackend::LayerNorm] the gain is not in CPU memory");
  }
}

TEST(CpuBackend, KeepsKvCachesInF32AndRefusesF16Tensors) {
  CpuBackend backend(1);
  EXPECT_EQ(backend.kv_cache_dtype(), DType::kF32);
  auto expect_refused = [](const std::function<void()>& operation, const char* message) {
    try {
      operation();
      ADD_FAILURE() << "expected: " << message;
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::kBackend);
      EXPECT_STREQ(error.what(), message);
    }
  };
  expect_refused(
      [&] {
        backend.Allocate({2, 4}, DType::kF16);
      },
      "[CpuBackend::Allocate] cannot allocate f16: the cpu backend computes in f32 only (its "
      "kv_cache_dtype() is f32)");
  // An f16 tensor made elsewhere reaches no kernel, which would read its bits as floats.
  Tensor half_cache = Tensor::Zeros(DType::kF16, {1, 4, 8}), half_out = Tensor::Zeros(DType::kF16, {2, 8});
  Tensor q = backend.Allocate({1, 2, 8}), out = backend.Allocate({1, 2, 8});
  const Tensor weight = backend.Allocate({8, 8});
  expect_refused([&] { backend.Attention(q, half_cache, half_cache, 2, nullptr, out); },
                 "[CpuBackend::Attention] k is f16, but this backend keeps KV caches in f32 only");
  expect_refused([&] { backend.CopyRows(q, nullptr, 2, nullptr, half_cache); },
                 "[CpuBackend::CopyRows] dst is f16, but this backend keeps KV caches in f32 only");
  expect_refused([&] { backend.Linear(q, weight, Tensor(), LinearEpilogue::kStore, half_out); },
                 "[CpuBackend::Linear] out is f16, but this backend keeps KV caches in f32 only");
  // Nor is any f16 intermediate (its intermediate_dtype() is f32).
  EXPECT_EQ(backend.intermediate_dtype(), DType::kF32);
  Tensor half_rows = Tensor::Zeros(DType::kF16, {2, 8}), rows = backend.Allocate({2, 8});
  expect_refused([&] { backend.Linear(half_rows, weight, Tensor(), LinearEpilogue::kStore, rows); },
                 "[CpuBackend::Linear] x is f16, but this backend keeps intermediates in f32 only");
  const Tensor ones = backend.Allocate({8});
  expect_refused([&] { backend.LayerNorm(rows, ones, ones, half_rows); },
                 "[CpuBackend::LayerNorm] out is f16, but this backend keeps intermediates in f32 only");
  Tensor half_q = Tensor::Zeros(DType::kF16, {1, 2, 8});
  expect_refused([&] { backend.Attention(half_q, q, q, 2, nullptr, out); },
                 "[CpuBackend::Attention] q is f16, but this backend keeps intermediates in f32 only");
}

}  // namespace
}  // namespace verbatim
