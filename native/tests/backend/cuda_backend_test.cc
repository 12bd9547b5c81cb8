// The CUDA backend against the CPU backend, operation by operation on seeded random data, then the whole
// model (encoder output, logits, greedy tokens). Also the device choice, which every build checks: without a
// usable GPU "auto" falls back to the CPU and says why, and "cuda" fails naming what is missing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <numeric>

#include "audio/audio_constants.h"
#include "audio/audio_test_support.h"
#include "audio/log_mel.h"
#include "backend/cpu/cpu_backend.h"
#include "backend/create_backend.h"
#include "backend/test_data.h"
#include "engine/whisper_model.h"
#include "model/decoding/greedy.h"
#include "model/decoding/logit_rules.h"
#include "model/decoding/special_tokens.h"
#include "model/in_memory_weight_store.h"
#ifdef VERBATIM_WITH_CUDA
#include <cuda_runtime.h>

#include "backend/cuda/cuda_backend.h"
#include "backend/cuda/flash_attention.h"
#include "model/whisper_decoder.h"
#include "model/whisper_encoder.h"
#include "model/whisper_weights.h"
#endif

namespace verbatim {
namespace {

using testing::F32Tensor;
using testing::FloatToHalf;
using testing::InMemoryWeightStore;
using testing::RandomFloats;
using testing::RandomWeights;
using testing::RelativeL2;
using testing::ToVector;

bool GpuUsable(std::string* why) {
#ifdef VERBATIM_WITH_CUDA
  return CudaBackendAvailable(why);
#else
  *why = "built without CUDA";
  return false;
#endif
}

TEST(CreateBackend, PicksTheDeviceAskedForAndExplainsAFallback) {
  EXPECT_EQ(CreateBackend("cpu", 1).backend->name(), "cpu");
  EXPECT_TRUE(CreateBackend("cpu", 1).note.empty());
  std::string why;
  const BackendChoice automatic = CreateBackend("auto", 1);
  if (GpuUsable(&why)) {
    EXPECT_EQ(automatic.backend->name(), "cuda");
    EXPECT_TRUE(automatic.note.empty());
    EXPECT_EQ(CreateBackend("cuda:0", 1).backend->name(), "cuda");
  } else {
    EXPECT_EQ(automatic.backend->name(), "cpu");
    EXPECT_NE(automatic.note.find("running on the CPU: "), std::string::npos) << automatic.note;
    try {
      CreateBackend("cuda", 1);
      ADD_FAILURE() << "device cuda without a usable GPU must fail";
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::kBackend);
      EXPECT_NE(std::string(error.what()).find("device cuda is not available"), std::string::npos)
          << error.what();
    }
  }
  for (const char* bad : {"tpu", "cuda:", "cuda:x", "cuda:-1", "CPU"}) {
    try {
      CreateBackend(bad, 1);
      ADD_FAILURE() << bad;
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::kInvalidArg) << bad;
      EXPECT_NE(std::string(error.what()).find(bad), std::string::npos) << error.what();
    }
  }
  // The GPU memory mode: "lean" is taken everywhere (the CPU ignores it), anything else refused by name.
  EXPECT_EQ(CreateBackend("cpu", 1, "lean").backend->name(), "cpu");
  if (GpuUsable(&why)) {
    auto* lean = dynamic_cast<CudaBackend*>(CreateBackend("cuda", 1, "lean").backend.get());
    ASSERT_NE(lean, nullptr);
  }
  for (const char* bad : {"Lean", "low", ""}) {
    try {
      CreateBackend("auto", 1, bad);
      ADD_FAILURE() << "gpu_memory " << bad;
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::kInvalidArg) << bad;
      EXPECT_NE(std::string(error.what()).find(std::string("gpu_memory must be fast or lean: ") + bad),
                std::string::npos)
          << error.what();
    }
  }
}

#ifdef VERBATIM_WITH_CUDA

/** The value of f16 bits (zero, subnormal, normal, infinity). */
float HalfToFloat(uint16_t bits) {
  const int exponent = (bits >> 10) & 0x1f, mantissa = bits & 0x3ff;
  const float magnitude = exponent == 0    ? std::ldexp(static_cast<float>(mantissa), -24)
                          : exponent == 31 ? std::numeric_limits<float>::infinity()
                                           : std::ldexp(static_cast<float>(mantissa | 0x400), exponent - 25);
  return (bits & 0x8000) != 0 ? -magnitude : magnitude;
}

/** Each value rounded to f16 (to nearest even), as bits. */
std::vector<uint16_t> HalfBits(const std::vector<float>& values) {
  std::vector<uint16_t> bits(values.size());
  std::transform(values.begin(), values.end(), bits.begin(), FloatToHalf);
  return bits;
}

/** Each value rounded to f16 and widened back: what an f16 KV cache holds for it. */
std::vector<float> RoundedToHalf(const std::vector<float>& values) {
  std::vector<float> rounded(values.size());
  std::transform(values.begin(), values.end(), rounded.begin(),
                 [](float value) { return HalfToFloat(FloatToHalf(value)); });
  return rounded;
}

/** `host` in a new f32 tensor on `gpu`. */
Tensor UploadF32(CudaBackend& gpu, const std::vector<int64_t>& shape, const std::vector<float>& host) {
  Tensor tensor = gpu.Allocate(shape);
  gpu.Upload(host.data(), tensor);
  return tensor;
}

std::vector<float> DownloadF32(CudaBackend& gpu, const Tensor& tensor) {
  std::vector<float> host(static_cast<std::size_t>(tensor.numel()));
  gpu.Download(tensor, host.data());
  return host;
}

/** An f16 tensor [B, T, D] on `gpu` holding `host` rounded to f16, written as a cache is (CopyRows from f32).
 */
Tensor UploadAsHalf(CudaBackend& gpu, const std::vector<int64_t>& shape, const std::vector<float>& host) {
  Tensor half = gpu.Allocate(shape, DType::kF16);
  gpu.CopyRows(UploadF32(gpu, shape, host), nullptr, static_cast<int>(shape[1]), nullptr, half);
  return half;
}

/** The bits of an f16 tensor (Download takes f32 only). */
std::vector<uint16_t> DownloadHalfBits(const Tensor& tensor) {
  std::vector<uint16_t> bits(static_cast<std::size_t>(tensor.numel()));
  // The backend's stream does not synchronise with cudaMemcpy's: wait for everything first.
  EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  EXPECT_EQ(cudaMemcpy(bits.data(), tensor.raw(), tensor.nbytes(), cudaMemcpyDeviceToHost), cudaSuccess);
  return bits;
}

std::vector<float> DownloadHalfs(const Tensor& tensor) {
  const std::vector<uint16_t> bits = DownloadHalfBits(tensor);
  std::vector<float> values(bits.size());
  std::transform(bits.begin(), bits.end(), values.begin(), HalfToFloat);
  return values;
}

/** A CUDA backend made while environment variable `name` is `value` (the backend reads it when made). */
std::unique_ptr<CudaBackend> BackendWith(const char* name, const char* value) {
  setenv(name, value, 1);
  auto backend = std::make_unique<CudaBackend>(0);
  unsetenv(name);
  return backend;
}

/** BackendWith, with the small-M GEMM kernel off too: the cuBLAS(Lt) paths at a decoder step's shapes. */
std::unique_ptr<CudaBackend> CublasBackendWith(const char* name, const char* value) {
  setenv("VERBATIM_CUDA_SMALL_GEMM", "0", 1);
  auto backend = BackendWith(name, value);
  unsetenv("VERBATIM_CUDA_SMALL_GEMM");
  return backend;
}

class CudaBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!CudaBackendAvailable(&why))
      GTEST_SKIP() << "no usable GPU here: " << why;
    cuda_ = std::make_unique<CudaBackend>(0);
    cpu_ = std::make_unique<CpuBackend>(2);
  }

  /** `host` on the GPU. */
  Tensor ToGpu(const std::vector<int64_t>& shape, const std::vector<float>& host) {
    return UploadF32(*cuda_, shape, host);
  }
  std::vector<float> FromGpu(const Tensor& tensor) { return DownloadF32(*cuda_, tensor); }
  Tensor HalfOnGpu(const std::vector<int64_t>& shape, const std::vector<float>& host) {
    return UploadAsHalf(*cuda_, shape, host);
  }
  std::vector<uint16_t> HalfBitsFromGpu(const Tensor& tensor) { return DownloadHalfBits(tensor); }
  std::vector<float> HalfsFromGpu(const Tensor& tensor) { return DownloadHalfs(tensor); }

  std::unique_ptr<CudaBackend> cuda_;
  std::unique_ptr<CpuBackend> cpu_;
};

TEST_F(CudaBackendTest, LinearMatchesTheCpuForEveryDtypeAndEpilogue) {
  struct Case {
    int64_t m, n, k;
  };
  // Decoder steps (1 to 64 rows; large-v3's width), a k that is not a multiple of 8, and many rows.
  for (const Case c : {Case{1, 37, 96}, Case{9, 530, 64}, Case{17, 37, 96}, Case{16, 1283, 1280},
                       Case{64, 384, 384}, Case{3, 20, 44}, Case{300, 70, 40}, Case{1500, 384, 384}}) {
    for (DType dtype : {DType::kF32, DType::kF16, DType::kBF16}) {
      for (LinearEpilogue epilogue :
           {LinearEpilogue::kStore, LinearEpilogue::kGelu, LinearEpilogue::kAccumulate}) {
        const auto weights = RandomWeights(dtype, {c.n, c.k}, 11);
        const auto x = RandomFloats(static_cast<std::size_t>(c.m * c.k), 12);
        const auto bias = RandomFloats(static_cast<std::size_t>(c.n), 13);
        const auto start = RandomFloats(static_cast<std::size_t>(c.m * c.n), 14);
        Tensor cpu_out = F32Tensor({c.m, c.n}, start);
        cpu_->Linear(F32Tensor({c.m, c.k}, x), cpu_->PrepareWeight(weights.tensor, WeightUse::kMatrix),
                     F32Tensor({c.n}, bias), epilogue, cpu_out);
        Tensor gpu_out = ToGpu({c.m, c.n}, start);
        cuda_->Linear(ToGpu({c.m, c.k}, x), cuda_->PrepareWeight(weights.tensor, WeightUse::kMatrix),
                      cuda_->PrepareWeight(F32Tensor({c.n}, bias), WeightUse::kVector), epilogue, gpu_out);
        // f32 weights: fp32 GEMM both sides. f16/bf16: the GPU rounds the activations to the weights' type.
        const double tolerance = dtype == DType::kF32 ? 1e-6 : dtype == DType::kF16 ? 2e-3 : 1e-2;
        EXPECT_LE(RelativeL2(FromGpu(gpu_out), ToVector(cpu_out)), tolerance)
            << c.m << "×" << c.n << "×" << c.k << " " << DTypeName(dtype) << " epilogue "
            << static_cast<int>(epilogue);
      }
    }
  }
}

TEST_F(CudaBackendTest, LinearWritesAnF16CacheForEveryWeightDtype) {
  struct Case {
    int64_t m, n, k;
  };
  for (const Case c : {Case{1, 37, 96}, Case{9, 530, 64}, Case{1500, 384, 384}}) {
    for (DType dtype : {DType::kF16, DType::kF32, DType::kBF16}) {
      for (bool with_bias : {false, true}) {  // Whisper's k_proj has none, v_proj one
        const auto weights = RandomWeights(dtype, {c.n, c.k}, 15);
        const auto x = RandomFloats(static_cast<std::size_t>(c.m * c.k), 16);
        const auto bias = RandomFloats(static_cast<std::size_t>(c.n), 17);
        Tensor cpu_out = F32Tensor({c.m, c.n}, std::vector<float>(static_cast<std::size_t>(c.m * c.n)));
        cpu_->Linear(F32Tensor({c.m, c.k}, x), cpu_->PrepareWeight(weights.tensor, WeightUse::kMatrix),
                     with_bias ? F32Tensor({c.n}, bias) : Tensor(), LinearEpilogue::kStore, cpu_out);
        Tensor gpu_out = cuda_->Allocate({c.m, c.n}, DType::kF16);
        cuda_->Linear(ToGpu({c.m, c.k}, x), cuda_->PrepareWeight(weights.tensor, WeightUse::kMatrix),
                      with_bias ? cuda_->PrepareWeight(F32Tensor({c.n}, bias), WeightUse::kVector) : Tensor(),
                      LinearEpilogue::kStore, gpu_out);
        // The sums rounded to f16 (about 3e-4); 16-bit weights also round the activations to their type.
        const double tolerance = dtype == DType::kBF16 ? 1e-2 : 2e-3;
        EXPECT_LE(RelativeL2(HalfsFromGpu(gpu_out), ToVector(cpu_out)), tolerance)
            << c.m << "×" << c.n << "×" << c.k << " " << DTypeName(dtype) << " bias " << with_bias;
      }
    }
  }
  // A cache is only ever stored into: adding to one, or a GELU, is a caller's bug.
  const Tensor weight =
      cuda_->PrepareWeight(RandomWeights(DType::kF16, {8, 8}, 18).tensor, WeightUse::kMatrix);
  Tensor half_out = cuda_->Allocate({2, 8}, DType::kF16);
  for (LinearEpilogue epilogue : {LinearEpilogue::kAccumulate, LinearEpilogue::kGelu}) {
    try {
      cuda_->Linear(cuda_->Allocate({2, 8}), weight, Tensor(), epilogue, half_out);
      ADD_FAILURE() << "an f16 out takes kStore only";
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::kInternal) << error.what();
    }
  }
}

TEST_F(CudaBackendTest, IntermediatesAreF16OnlyForF16Models) {
  EXPECT_EQ(cuda_->intermediate_dtype(), DType::kF32);  // no 16-bit weight yet
  cuda_->PrepareWeight(RandomWeights(DType::kBF16, {8, 8}, 3).tensor, WeightUse::kMatrix);
  EXPECT_EQ(cuda_->intermediate_dtype(), DType::kF32);  // bf16 GEMMs take bf16 operands, attention f16
  cuda_->PrepareWeight(RandomWeights(DType::kF16, {8, 8}, 3).tensor, WeightUse::kMatrix);
  EXPECT_EQ(cuda_->intermediate_dtype(), DType::kF16);
  // The switches back to the f32 intermediates of before.
  for (const auto& [name, value] :
       {std::pair<const char*, const char*>{"VERBATIM_CUDA_F16_ENCODER", "0"},
        std::pair<const char*, const char*>{"VERBATIM_CUDA_ATTENTION", "exact"}}) {
    const auto backend = BackendWith(name, value);
    backend->PrepareWeight(RandomWeights(DType::kF16, {8, 8}, 3).tensor, WeightUse::kMatrix);
    EXPECT_EQ(backend->intermediate_dtype(), DType::kF32) << name << "=" << value;
  }
}

/**
 * `gpu`'s Linear on an f16 x (an intermediate holding `x`, already rounded) and an f16 weight against the
 * CPU's on the same values in f32; counts how the bias/GELU ran into `fused` and `separate`.
 */
double HalfLinearError(CudaBackend& gpu,
                       CpuBackend& cpu,
                       const testing::EncodedWeights& weights,
                       const std::vector<float>& x,
                       const Tensor& cpu_bias,
                       const Tensor& gpu_bias,
                       LinearEpilogue epilogue,
                       DType out_dtype,
                       const std::vector<float>& start,
                       int64_t* fused,
                       int64_t* separate) {
  const int64_t n = weights.tensor.dim(0), k = weights.tensor.dim(1), m = static_cast<int64_t>(x.size()) / k;
  Tensor expected = F32Tensor({m, n}, start);
  cpu.Linear(F32Tensor({m, k}, x), cpu.PrepareWeight(weights.tensor, WeightUse::kMatrix), cpu_bias, epilogue,
             expected);
  const CudaBackend::EpilogueCounts before = gpu.epilogue_counts();
  Tensor out = out_dtype == DType::kF16 ? gpu.Allocate({m, n}, DType::kF16) : UploadF32(gpu, {m, n}, start);
  gpu.Linear(UploadAsHalf(gpu, {1, m, k}, x), gpu.PrepareWeight(weights.tensor, WeightUse::kMatrix), gpu_bias,
             epilogue, out);
  const std::vector<float> actual = out_dtype == DType::kF16 ? DownloadHalfs(out) : DownloadF32(gpu, out);
  const CudaBackend::EpilogueCounts after = gpu.epilogue_counts();
  *fused = after.in_gemm - before.in_gemm;
  *separate = after.in_kernel - before.in_kernel;
  return RelativeL2(actual, ToVector(expected));
}

TEST_F(CudaBackendTest, LinearOnF16IntermediatesMatchesTheCpuWithAndWithoutCublasLt) {
  std::string why;
  // cuBLASLt comes with cuBLAS: on a GPU machine the fused path must be there to be checked.
  ASSERT_TRUE(cuda_->has_cublaslt(&why)) << why;
  // All three with the small-M kernel off, so that the few-row shapes below take cuBLAS(Lt) too.
  const auto with_lt = CublasBackendWith("VERBATIM_CUDA_CUBLASLT", "1");
  const auto without_lt = CublasBackendWith("VERBATIM_CUDA_CUBLASLT", "0");
  const auto tanh_gelu = CublasBackendWith("VERBATIM_CUDA_GELU", "tanh");
  EXPECT_TRUE(with_lt->has_cublaslt());
  EXPECT_FALSE(without_lt->has_cublaslt());
  struct Shape {
    int64_t m, n, k;
  };
  struct Use {
    LinearEpilogue epilogue;
    DType out;  // f16: q, k, v, the MLP's hidden layer; f32: the residual stream (kAccumulate)
  };
  // Encoder-like shapes (tiny's width: a projection, then an MLP's two layers), then n or k not a multiple
  // of 8 (cuBLASLt may have no algorithm; the f16 bias kernel takes its element-wise path).
  for (const Shape c : {Shape{1500, 384, 384}, Shape{300, 1536, 384}, Shape{300, 384, 1536},
                        Shape{17, 37, 96}, Shape{9, 530, 64}}) {
    const bool aligned = c.n % 8 == 0 && c.k % 8 == 0;
    const auto weights = RandomWeights(DType::kF16, {c.n, c.k}, 81);
    const auto x = RoundedToHalf(RandomFloats(static_cast<std::size_t>(c.m * c.k), 82));
    const auto bias = RandomFloats(static_cast<std::size_t>(c.n), 83);
    const auto start = RandomFloats(static_cast<std::size_t>(c.m * c.n), 84);
    for (const Use use :
         {Use{LinearEpilogue::kStore, DType::kF16}, Use{LinearEpilogue::kGelu, DType::kF16},
          Use{LinearEpilogue::kAccumulate, DType::kF32}, Use{LinearEpilogue::kStore, DType::kF32}}) {
      for (bool with_bias : {true, false}) {
        const bool gelu = use.epilogue == LinearEpilogue::kGelu;
        for (CudaBackend* gpu : {with_lt.get(), without_lt.get(), tanh_gelu.get()}) {
          const std::string label = std::to_string(c.m) + "×" + std::to_string(c.n) + "×" +
                                    std::to_string(c.k) + " epilogue " +
                                    std::to_string(static_cast<int>(use.epilogue)) + " → " +
                                    DTypeName(use.out) + " bias " + std::to_string(with_bias) +
                                    (gpu == without_lt.get()  ? " without cuBLASLt"
                                     : gpu == tanh_gelu.get() ? " tanh GELU"
                                                              : "");
          int64_t fused = 0, separate = 0;
          const double error = HalfLinearError(
              *gpu, *cpu_, weights, x, with_bias ? F32Tensor({c.n}, bias) : Tensor(),
              with_bias ? gpu->PrepareWeight(F32Tensor({c.n}, bias), WeightUse::kVector) : Tensor(),
              use.epilogue, use.out, start, &fused, &separate);
          // The same inputs as the CPU's: what is left is an f16 out's rounding (about 3e-4), its f16 bias,
          // and for the tanh GELU its distance from erf's (about 1e-4); an f32 out only sums in another
          // order.
          EXPECT_LE(error, use.out == DType::kF16 ? 2e-3 : 1e-5) << label;
          if (!with_bias && !gelu) {
            EXPECT_EQ(fused + separate, 0) << label;  // a plain GEMM
            continue;
          }
          EXPECT_EQ(fused + separate, 1) << label;
          const bool lt_can = gpu != without_lt.get() && with_bias && (!gelu || gpu == tanh_gelu.get());
          if (!lt_can)
            EXPECT_EQ(fused, 0) << label;
          else if (aligned)
            EXPECT_EQ(fused, 1) << label << ": cuBLASLt found no algorithm";
        }
      }
    }
  }
}

TEST_F(CudaBackendTest, TheSmallRowsGemmMatchesTheCpuAndCublas) {
  // A decoder step's Linears (≤ 64 rows, K a multiple of 32) take the small-M kernel: every row count of its
  // one, two and four 16-row tiles, column counts that do not fill its 8-column blocks, K shares of 2 to 10
  // chunks a warp, f16 and f32 x, f32 and f16 out, with and without a bias, each epilogue; against the CPU,
  // against cuBLAS (VERBATIM_CUDA_SMALL_GEMM=0) and against itself run again (bit for bit: fixed sum order).
  const auto on_cublas = BackendWith("VERBATIM_CUDA_SMALL_GEMM", "0");
  struct Case {
    int64_t m, n, k;
  };
  for (const Case c : {Case{1, 37, 96}, Case{7, 8, 32}, Case{16, 1283, 1280}, Case{17, 384, 384},
                       Case{33, 1536, 384}, Case{64, 384, 1536}, Case{16, 1280, 5120}, Case{64, 51, 64}}) {
    const auto weights = RandomWeights(DType::kF16, {c.n, c.k}, 101);
    // x as f16 rounds it: the CPU gets the rounded values, so an f32 out differs only in the order of sums.
    const auto x = RoundedToHalf(RandomFloats(static_cast<std::size_t>(c.m * c.k), 102));
    const auto bias = RandomFloats(static_cast<std::size_t>(c.n), 103);
    const auto start = RandomFloats(static_cast<std::size_t>(c.m * c.n), 104);
    for (const DType x_dtype : {DType::kF16, DType::kF32}) {
      for (const LinearEpilogue epilogue :
           {LinearEpilogue::kStore, LinearEpilogue::kGelu, LinearEpilogue::kAccumulate}) {
        for (const DType out_dtype : {DType::kF32, DType::kF16}) {
          // An f16 out is an f16 x's intermediate (any but kAccumulate: the residual stream is f32) or a
          // cache filled from an f32 x (kStore).
          if (out_dtype == DType::kF16 && (epilogue == LinearEpilogue::kAccumulate ||
                                           (x_dtype == DType::kF32 && epilogue != LinearEpilogue::kStore)))
            continue;
          for (const bool with_bias : {true, false}) {
            const std::string label = std::to_string(c.m) + "×" + std::to_string(c.n) + "×" +
                                      std::to_string(c.k) + " x " + DTypeName(x_dtype) + " epilogue " +
                                      std::to_string(static_cast<int>(epilogue)) + " → " +
                                      DTypeName(out_dtype) + " bias " + std::to_string(with_bias);
            Tensor expected = F32Tensor({c.m, c.n}, start);
            cpu_->Linear(F32Tensor({c.m, c.k}, x), cpu_->PrepareWeight(weights.tensor, WeightUse::kMatrix),
                         with_bias ? F32Tensor({c.n}, bias) : Tensor(), epilogue, expected);
            auto run = [&](CudaBackend& gpu) {
              Tensor out = out_dtype == DType::kF16 ? gpu.Allocate({c.m, c.n}, DType::kF16)
                                                    : UploadF32(gpu, {c.m, c.n}, start);
              const Tensor gpu_x = x_dtype == DType::kF16 ? UploadAsHalf(gpu, {1, c.m, c.k}, x)
                                                          : UploadF32(gpu, {c.m, c.k}, x);
              gpu.Linear(gpu_x, gpu.PrepareWeight(weights.tensor, WeightUse::kMatrix),
                         with_bias ? gpu.PrepareWeight(F32Tensor({c.n}, bias), WeightUse::kVector) : Tensor(),
                         epilogue, out);
              return out_dtype == DType::kF16 ? DownloadHalfs(out) : DownloadF32(gpu, out);
            };
            const int64_t before = cuda_->epilogue_counts().in_small_gemm;
            const std::vector<float> small = run(*cuda_);
            EXPECT_EQ(cuda_->epilogue_counts().in_small_gemm, before + 1) << label;
            EXPECT_EQ(run(*cuda_), small) << label << ": not the same bits the second time";
            const double tolerance = out_dtype == DType::kF16 ? 2e-3 : 1e-5;
            EXPECT_LE(RelativeL2(small, ToVector(expected)), tolerance) << label;
            EXPECT_LE(RelativeL2(small, run(*on_cublas)), tolerance) << label << " against cuBLAS";
          }
        }
      }
    }
  }
  EXPECT_EQ(on_cublas->epilogue_counts().in_small_gemm, 0);
}

TEST_F(CudaBackendTest, AMisalignedBiasTakesTheEpilogueKernel) {
  std::string why;
  ASSERT_TRUE(cuda_->has_cublaslt(&why)) << why;
  const int64_t m = 300, n = 384, k = 384;
  const auto weights = RandomWeights(DType::kF16, {n, k}, 85);
  const auto x = RoundedToHalf(RandomFloats(static_cast<std::size_t>(m * k), 86));
  const auto start = RandomFloats(static_cast<std::size_t>(m * n), 87);
  const auto bias_and_more = RandomFloats(static_cast<std::size_t>(n + 4), 88);
  const Tensor gpu_biases = cuda_->PrepareWeight(F32Tensor({n + 4}, bias_and_more), WeightUse::kVector);
  // A bias 4 bytes past an allocation's start cannot be cuBLASLt's (it wants 16); one 16 bytes past can.
  for (int64_t first : {int64_t{1}, int64_t{4}}) {
    const std::vector<float> bias(bias_and_more.begin() + first, bias_and_more.begin() + first + n);
    int64_t fused = 0, separate = 0;
    const double error =
        HalfLinearError(*cuda_, *cpu_, weights, x, F32Tensor({n}, bias), gpu_biases.View({n}, first),
                        LinearEpilogue::kAccumulate, DType::kF32, start, &fused, &separate);
    EXPECT_LE(error, 1e-5) << "bias at element " << first;  // f32 out: only the order of the sums differs
    EXPECT_EQ(fused, first == 4 ? 1 : 0) << "bias at element " << first;
    EXPECT_EQ(separate, first == 4 ? 0 : 1) << "bias at element " << first;
  }
}

TEST_F(CudaBackendTest, LinearWidensAnF16XForOtherWeightDtypes) {
  // f16 intermediates come with f16 weights; a model of mixed weight dtypes still computes (x widened).
  const int64_t m = 40, n = 64, k = 96;
  const auto x = RoundedToHalf(RandomFloats(static_cast<std::size_t>(m * k), 89));
  const auto bias = RandomFloats(static_cast<std::size_t>(n), 90);
  const auto start = RandomFloats(static_cast<std::size_t>(m * n), 91);
  for (DType dtype : {DType::kF32, DType::kBF16}) {
    for (LinearEpilogue epilogue : {LinearEpilogue::kGelu, LinearEpilogue::kAccumulate}) {
      const auto weights = RandomWeights(dtype, {n, k}, 92);
      const DType out_dtype = epilogue == LinearEpilogue::kAccumulate ? DType::kF32 : DType::kF16;
      Tensor expected = F32Tensor({m, n}, start);
      cpu_->Linear(F32Tensor({m, k}, x), cpu_->PrepareWeight(weights.tensor, WeightUse::kMatrix),
                   F32Tensor({n}, bias), epilogue, expected);
      Tensor out = out_dtype == DType::kF16 ? cuda_->Allocate({m, n}, DType::kF16) : ToGpu({m, n}, start);
      cuda_->Linear(HalfOnGpu({1, m, k}, x), cuda_->PrepareWeight(weights.tensor, WeightUse::kMatrix),
                    ToGpu({n}, bias), epilogue, out);
      const auto actual = out_dtype == DType::kF16 ? HalfsFromGpu(out) : FromGpu(out);
      EXPECT_LE(RelativeL2(actual, ToVector(expected)), dtype == DType::kBF16 ? 1e-2 : 2e-3)
          << DTypeName(dtype) << " epilogue " << static_cast<int>(epilogue);
    }
  }
  // The residual stream is f32: nothing adds into an f16 out.
  Tensor half_out = cuda_->Allocate({m, n}, DType::kF16);
  try {
    cuda_->Linear(HalfOnGpu({1, m, k}, x),
                  cuda_->PrepareWeight(RandomWeights(DType::kF16, {n, k}, 92).tensor, WeightUse::kMatrix),
                  Tensor(), LinearEpilogue::kAccumulate, half_out);
    ADD_FAILURE() << "kAccumulate into an f16 out must be refused";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kInternal) << error.what();
  }
}

TEST_F(CudaBackendTest, LayerNormWritesF16Intermediates) {
  const int64_t rows = 300, width = 1280;
  const auto x = RandomFloats(static_cast<std::size_t>(rows * width), 93, -3.0f, 5.0f);
  const auto gain = RandomFloats(static_cast<std::size_t>(width), 94);
  const auto offset = RandomFloats(static_cast<std::size_t>(width), 95);
  Tensor expected = F32Tensor({rows, width}, std::vector<float>(x.size()));
  cpu_->LayerNorm(F32Tensor({rows, width}, x), F32Tensor({width}, gain), F32Tensor({width}, offset),
                  expected);
  Tensor half_out = cuda_->Allocate({rows, width}, DType::kF16);
  cuda_->LayerNorm(ToGpu({rows, width}, x), ToGpu({width}, gain), ToGpu({width}, offset), half_out);
  // Statistics in f32 as on the CPU; each output rounded to f16 once (about 3e-4).
  EXPECT_LE(RelativeL2(HalfsFromGpu(half_out), ToVector(expected)), 1e-3);
  // The statistics come from the f32 residual stream, never from an f16 tensor.
  EXPECT_THROW(cuda_->LayerNorm(half_out, ToGpu({width}, gain), ToGpu({width}, offset), half_out), Error);
}

TEST_F(CudaBackendTest, LayerNormTransposeAndConvolutionMatchTheCpu) {
  const int64_t rows = 300, width = 384;
  const auto x = RandomFloats(static_cast<std::size_t>(rows * width), 21, -3.0f, 5.0f);
  const auto gain = RandomFloats(static_cast<std::size_t>(width), 22);
  const auto offset = RandomFloats(static_cast<std::size_t>(width), 23);
  Tensor cpu_out = F32Tensor({rows, width}, std::vector<float>(x.size()));
  cpu_->LayerNorm(F32Tensor({rows, width}, x), F32Tensor({width}, gain), F32Tensor({width}, offset), cpu_out);
  Tensor gpu_x = ToGpu({rows, width}, x);
  cuda_->LayerNorm(gpu_x, ToGpu({width}, gain), ToGpu({width}, offset), gpu_x);  // in place
  EXPECT_LE(RelativeL2(FromGpu(gpu_x), ToVector(cpu_out)), 1e-6);

  const auto mel = RandomFloats(2 * 80 * 301, 24);
  Tensor cpu_t = F32Tensor({2, 301, 80}, std::vector<float>(mel.size()));
  cpu_->Transpose(F32Tensor({2, 80, 301}, mel), cpu_t);
  Tensor gpu_t = cuda_->Allocate({2, 301, 80});
  cuda_->Transpose(ToGpu({2, 80, 301}, mel), gpu_t);
  EXPECT_EQ(FromGpu(gpu_t), ToVector(cpu_t));

  for (DType dtype : {DType::kF32, DType::kF16}) {
    for (int stride : {1, 2}) {
      const auto weight = RandomWeights(dtype, {64, 80, 3}, 25);
      const auto bias = RandomFloats(64, 26);
      const int64_t frames_out = (301 - 1) / stride + 1;
      Tensor cpu_c =
          F32Tensor({2, frames_out, 64}, std::vector<float>(static_cast<std::size_t>(2 * frames_out * 64)));
      cpu_->Conv1dGelu(cpu_t, cpu_->PrepareWeight(weight.tensor, WeightUse::kMatrix), F32Tensor({64}, bias),
                       stride, cpu_c);
      Tensor gpu_c = cuda_->Allocate({2, frames_out, 64});
      cuda_->Conv1dGelu(gpu_t, cuda_->PrepareWeight(weight.tensor, WeightUse::kMatrix), ToGpu({64}, bias),
                        stride, gpu_c);
      EXPECT_LE(RelativeL2(FromGpu(gpu_c), ToVector(cpu_c)), dtype == DType::kF32 ? 1e-6 : 2e-3)
          << DTypeName(dtype) << " stride " << stride;
    }
  }
}

TEST_F(CudaBackendTest, EmbeddingsPositionsAndRowCopiesMatchTheCpu) {
  for (DType dtype : {DType::kF32, DType::kF16, DType::kBF16}) {
    const auto table = RandomWeights(dtype, {100, 64}, 31);
    const int32_t tokens[] = {0, 99, 7, 7, 42};
    Tensor cpu_e = F32Tensor({5, 64}, std::vector<float>(5 * 64));
    cpu_->EmbedTokens(tokens, cpu_->PrepareWeight(table.tensor, WeightUse::kMatrix), cpu_e);
    Tensor gpu_e = cuda_->Allocate({5, 64});
    cuda_->EmbedTokens(tokens, cuda_->PrepareWeight(table.tensor, WeightUse::kMatrix), gpu_e);
    EXPECT_EQ(FromGpu(gpu_e), ToVector(cpu_e)) << DTypeName(dtype);
    const int32_t bad[] = {100};
    Tensor one = cuda_->Allocate({1, 64});
    EXPECT_THROW(cuda_->EmbedTokens(bad, cuda_->PrepareWeight(table.tensor, WeightUse::kMatrix), one), Error);
  }
  const auto positions = RandomFloats(448 * 64, 32);
  const auto x = RandomFloats(3 * 5 * 64, 33);
  const int first[] = {0, 10, 443};
  for (const int* starts : {static_cast<const int*>(nullptr), first}) {
    Tensor cpu_x = F32Tensor({3, 5, 64}, x);
    cpu_->AddPositionalEmbedding(F32Tensor({448, 64}, positions), starts, cpu_x);
    Tensor gpu_x = ToGpu({3, 5, 64}, x);
    cuda_->AddPositionalEmbedding(ToGpu({448, 64}, positions), starts, gpu_x);
    EXPECT_EQ(FromGpu(gpu_x), ToVector(cpu_x));
  }
  const auto src = RandomFloats(3 * 6 * 64, 34);
  const int src_rows[] = {0, 3, 5}, dst_rows[] = {2, 0, 9};
  Tensor cpu_dst = F32Tensor({3, 10, 64}, std::vector<float>(3 * 10 * 64, 0.5f));
  cpu_->CopyRows(F32Tensor({3, 6, 64}, src), src_rows, 1, dst_rows, cpu_dst);
  Tensor gpu_dst = ToGpu({3, 10, 64}, std::vector<float>(3 * 10 * 64, 0.5f));
  cuda_->CopyRows(ToGpu({3, 6, 64}, src), src_rows, 1, dst_rows, gpu_dst);
  EXPECT_EQ(FromGpu(gpu_dst), ToVector(cpu_dst));
}

TEST_F(CudaBackendTest, CopyRowsRoundsIntoAnF16CacheAndMovesRowsBetweenF16Caches) {
  auto src = RandomFloats(3 * 6 * 64, 35, -3.0f, 3.0f);
  src[0] = 1e-6f;     // subnormal in f16
  src[1] = 65519.0f;  // the largest value that rounds to f16's largest, 65504
  src[2] = 2049.0f;   // halfway between f16's 2048 and 2050: to even, 2048
  src[3] = -0.1f;     // inexact
  const int src_rows[] = {0, 3, 4}, dst_rows[] = {2, 0, 8};
  const std::vector<float> start(3 * 10 * 64, 0.5f);
  // The CPU's f32 copy, rounded: what the GPU's f16 cache must hold, bit for bit.
  Tensor cpu_dst = F32Tensor({3, 10, 64}, start);
  cpu_->CopyRows(F32Tensor({3, 6, 64}, src), src_rows, 2, dst_rows, cpu_dst);
  Tensor half_dst = HalfOnGpu({3, 10, 64}, start);
  cuda_->CopyRows(ToGpu({3, 6, 64}, src), src_rows, 2, dst_rows, half_dst);
  EXPECT_EQ(HalfBitsFromGpu(half_dst), HalfBits(ToVector(cpu_dst)));

  // f16 → f16 (beam search reordering cache rows through a scratch cache): the bits move unchanged.
  const int from[] = {2, 0, 8}, to[] = {0, 4, 1};
  Tensor cpu_moved = F32Tensor({3, 6, 64}, std::vector<float>(3 * 6 * 64));
  cpu_->CopyRows(cpu_dst, from, 2, to, cpu_moved);
  Tensor half_moved = cuda_->Allocate({3, 6, 64}, DType::kF16);
  cuda_->CopyRows(half_dst, from, 2, to, half_moved);
  EXPECT_EQ(HalfBitsFromGpu(half_moved), HalfBits(ToVector(cpu_moved)));

  // Caches are never widened back into activations; and no other dtype is a cache.
  Tensor wide = cuda_->Allocate({3, 6, 64});
  EXPECT_THROW(cuda_->CopyRows(half_moved, nullptr, 1, nullptr, wide), Error);
  try {
    cuda_->Allocate({2, 4}, DType::kBF16);
    ADD_FAILURE() << "a bf16 tensor must be refused";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kBackend);
  }
}

struct AttentionCase {
  int64_t batch, queries, keys, d_model;
  int heads;
  bool cached;
  std::vector<int> past = {};  // cache lengths when cached; empty: (b · 97) mod (keys − queries + 1)
};

/** A case's seeded inputs and the CPU backend's output on them (`past` counts when the case is cached). */
struct AttentionOnTheCpu {
  std::vector<float> q, k, v, out;
  std::vector<int> past;
};

/**
 * `kv_dtype` f16: the keys and values are those an f16 cache holds (rounded), in f32 for the CPU; `q_dtype`
 * f16: so are the queries (f16 intermediates). The queries are uniform in ±2 · `q_scale`.
 */
AttentionOnTheCpu RunAttentionOnTheCpu(CpuBackend& cpu,
                                       const AttentionCase& c,
                                       DType kv_dtype = DType::kF32,
                                       DType q_dtype = DType::kF32,
                                       float q_scale = 1.0f) {
  AttentionOnTheCpu run;
  run.q = RandomFloats(static_cast<std::size_t>(c.batch * c.queries * c.d_model), 41, -2.0f * q_scale,
                       2.0f * q_scale);
  if (q_dtype == DType::kF16)
    run.q = RoundedToHalf(run.q);
  run.k = RandomFloats(static_cast<std::size_t>(c.batch * c.keys * c.d_model), 42, -2.0f, 2.0f);
  run.v = RandomFloats(static_cast<std::size_t>(c.batch * c.keys * c.d_model), 43);
  if (kv_dtype == DType::kF16) {
    run.k = RoundedToHalf(run.k);
    run.v = RoundedToHalf(run.v);
  }
  run.past = c.past;
  run.past.resize(static_cast<std::size_t>(c.batch));
  for (int64_t b = static_cast<int64_t>(c.past.size()); b < c.batch; ++b)
    run.past[b] = static_cast<int>((b * 97) % (c.keys - c.queries + 1));
  Tensor out = F32Tensor({c.batch, c.queries, c.d_model}, std::vector<float>(run.q.size()));
  cpu.Attention(
      F32Tensor({c.batch, c.queries, c.d_model}, run.q), F32Tensor({c.batch, c.keys, c.d_model}, run.k),
      F32Tensor({c.batch, c.keys, c.d_model}, run.v), c.heads, c.cached ? run.past.data() : nullptr, out);
  run.out = ToVector(out);
  return run;
}

/**
 * `gpu`'s attention on the case's inputs, with k and v in `kv_dtype` on the GPU (f16: caches written by
 * CopyRows). The output starts as NaN, so an element no kernel writes fails a comparison; in a cached case
 * so do the cache rows that no query may see (past + queries onwards), which a kernel reading past the
 * lengths would spread.
 */
std::vector<float> AttentionOnTheGpu(CudaBackend& gpu,
                                     const AttentionCase& c,
                                     const AttentionOnTheCpu& inputs,
                                     DType kv_dtype) {
  const int* lengths = c.cached ? inputs.past.data() : nullptr;
  auto to_gpu = [&](const std::vector<int64_t>& shape, const std::vector<float>& host) {
    Tensor tensor = gpu.Allocate(shape);
    gpu.Upload(host.data(), tensor);
    return tensor;
  };
  auto cache_on_gpu = [&](std::vector<float> host) {
    for (int64_t b = 0; c.cached && b < c.batch; ++b) {
      const int64_t unseen = (b * c.keys + inputs.past[b] + c.queries) * c.d_model;
      std::fill(host.begin() + unseen, host.begin() + (b + 1) * c.keys * c.d_model,
                std::numeric_limits<float>::quiet_NaN());
    }
    Tensor cache = gpu.Allocate({c.batch, c.keys, c.d_model}, kv_dtype);
    gpu.CopyRows(to_gpu(cache.shape(), host), nullptr, static_cast<int>(c.keys), nullptr, cache);
    return cache;
  };
  Tensor gpu_out = to_gpu({c.batch, c.queries, c.d_model},
                          std::vector<float>(inputs.q.size(), std::numeric_limits<float>::quiet_NaN()));
  gpu.Attention(to_gpu({c.batch, c.queries, c.d_model}, inputs.q), cache_on_gpu(inputs.k),
                cache_on_gpu(inputs.v), c.heads, lengths, gpu_out);
  std::vector<float> host(inputs.q.size());
  gpu.Download(gpu_out, host.data());
  return host;
}

/**
 * Relative L2 distance of `gpu`'s attention from the CPU backend's on the case's seeded data (queries in
 * ±2 · `q_scale`), with k and v in `kv_dtype` on the GPU; the CPU gets the same rounded values in f32.
 */
double AttentionErrorAgainstTheCpu(CudaBackend& gpu,
                                   CpuBackend& cpu,
                                   const AttentionCase& c,
                                   DType kv_dtype = DType::kF32,
                                   float q_scale = 1.0f) {
  const AttentionOnTheCpu expected = RunAttentionOnTheCpu(cpu, c, kv_dtype, DType::kF32, q_scale);
  return RelativeL2(AttentionOnTheGpu(gpu, c, expected, kv_dtype), expected.out);
}

/** `gpu`'s attention on seeded data against the CPU backend's, for every case (relative L2 ≤ 1e-5). */
void ExpectAttentionMatchesTheCpu(CudaBackend& gpu,
                                  CpuBackend& cpu,
                                  std::initializer_list<AttentionCase> cases) {
  for (const AttentionCase& c : cases) {
    EXPECT_LE(AttentionErrorAgainstTheCpu(gpu, cpu, c), 1e-5)
        << c.batch << "×" << c.queries << "×" << c.keys << " cached " << c.cached;
  }
}

TEST_F(CudaBackendTest, AttentionMatchesTheCpuWithAndWithoutACache) {
  // The exact kernels: per query (many queries in an f32 model; head width 128), split over the keys (decoder
  // steps: one query, a start sequence of 4 over a cache, 7 queries of cross-attention), and more sequences
  // than a launch carries inline (300: their cache lengths go through device memory).
  ExpectAttentionMatchesTheCpu(*cuda_, *cpu_,
                               {{2, 1500, 1500, 384, 6, false},
                                {3, 7, 1500, 512, 8, false},
                                {3, 1, 448, 384, 6, true},
                                {2, 4, 448, 384, 6, true},
                                {2, 5, 40, 128, 1, true},
                                {300, 1, 64, 64, 1, true},
                                {1, 1, 1, 64, 1, false}});
}

TEST_F(CudaBackendTest, EncoderAttentionAndF16CachesOnlyIn16BitModels) {
  const AttentionCase encoder{2, 1500, 1500, 384, 6, false};
  EXPECT_LE(AttentionErrorAgainstTheCpu(*cuda_, *cpu_, encoder), 1e-5);  // no 16-bit weight yet: exact
  EXPECT_EQ(cuda_->kv_cache_dtype(), DType::kF32);
  cuda_->PrepareWeight(RandomWeights(DType::kF16, {8, 8}, 3).tensor, WeightUse::kMatrix);
  const double half = AttentionErrorAgainstTheCpu(*cuda_, *cpu_, encoder);
  EXPECT_LE(half, 2e-3);
  EXPECT_GT(half, 1e-6);  // f16 operands: close, not exact — the flash kernel ran
  EXPECT_EQ(cuda_->kv_cache_dtype(), DType::kF16);
  setenv("VERBATIM_CUDA_ATTENTION", "exact", 1);
  CudaBackend exact(0);
  unsetenv("VERBATIM_CUDA_ATTENTION");
  exact.PrepareWeight(RandomWeights(DType::kF16, {8, 8}, 3).tensor, WeightUse::kMatrix);
  EXPECT_LE(AttentionErrorAgainstTheCpu(exact, *cpu_, encoder), 1e-5);
  EXPECT_EQ(exact.kv_cache_dtype(), DType::kF32);
}

TEST_F(CudaBackendTest, AttentionReadsF16KeysAndValues) {
  // Rounded once when the cache is written, the keys and values are then read exactly: the split and
  // per-query kernels stay as close to the CPU (on the same rounded values) as over f32 caches. A decoder
  // step over 1,500 audio frames, one over a self-attention cache, a start sequence of 4, 20 causal queries
  // (per query), a head width of 128 (per query).
  for (const AttentionCase& c :
       {AttentionCase{2, 1, 1500, 384, 6, false}, AttentionCase{3, 1, 448, 384, 6, true},
        AttentionCase{2, 4, 448, 384, 6, true}, AttentionCase{2, 20, 448, 384, 6, true},
        AttentionCase{2, 5, 40, 128, 1, true}}) {
    EXPECT_LE(AttentionErrorAgainstTheCpu(*cuda_, *cpu_, c, DType::kF16), 1e-5)
        << c.batch << "×" << c.queries << "×" << c.keys << " cached " << c.cached;
  }
  // Many queries without a mask (cross-attention for beams or a prompt) take the flash kernel on f16 caches,
  // whatever the weights: Q and the softmax weights are rounded to f16 too. At tiny's and large-v3's widths.
  for (const AttentionCase& c :
       {AttentionCase{2, 20, 1500, 384, 6, false}, AttentionCase{1, 48, 1500, 1280, 20, false}}) {
    const double flash = AttentionErrorAgainstTheCpu(*cuda_, *cpu_, c, DType::kF16);
    EXPECT_LE(flash, 2e-3) << c.queries << " queries, d " << c.d_model;
    EXPECT_GT(flash, 1e-6) << c.queries << " queries, d " << c.d_model;  // f16 operands: the flash kernel ran
  }
  // k and v are one cache each, of one dtype.
  Tensor q = cuda_->Allocate({1, 1, 64}), out = cuda_->Allocate({1, 1, 64});
  try {
    cuda_->Attention(q, cuda_->Allocate({1, 8, 64}, DType::kF16), cuda_->Allocate({1, 8, 64}), 1, nullptr,
                     out);
    ADD_FAILURE() << "k f16 with v f32 must be refused";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kInternal);
    EXPECT_STREQ(error.what(), "[CudaBackend::Attention] k is f16 but v is f32");
  }
}

TEST_F(CudaBackendTest, BothDecodeAttentionKernelsMatchTheCpuOnF16Caches) {
  // Decoder steps over f16 caches (SplitAttention): the decode kernel, and the first kernel
  // (VERBATIM_CUDA_DECODE_ATTENTION=old). Cross-attention (no mask) at key counts around the 32-key tiles
  // and 128-key shares (1, 7, 63, 64, 65, 128, 700 and the audio's 1500), with 1, 2, 3 and 15 queries (query
  // groups of 1, 2 and 4, the last one partial), 6 and 20 heads, batches of 1 to 45: one share per head (a
  // batch that fills the GPU) or several merged (a small batch).
  const std::vector<AttentionCase> cross{
      {1, 1, 1, 384, 6, false},      {2, 1, 7, 384, 6, false},     {1, 3, 63, 1280, 20, false},
      {17, 1, 64, 384, 6, false},    {2, 15, 65, 384, 6, false},   {17, 3, 128, 1280, 20, false},
      {1, 1, 1500, 1280, 20, false}, {17, 1, 1500, 384, 6, false}, {2, 15, 1500, 384, 6, false},
      {48, 2, 700, 384, 6, false},   {45, 1, 1500, 384, 6, false}, {3, 5, 1500, 1280, 20, false}};
  // Causal self-attention over a cache: lengths 0 (a query sees its own key alone), up to the capacity
  // (the last query sees every key), in one share or several (some of them past every query's prefix);
  // 300 sequences carry their lengths in device memory rather than inline.
  const std::vector<AttentionCase> causal{
      {1, 1, 1, 384, 6, true, {0}},
      {17, 1, 128, 1280, 20, true, {0, 127, 1, 64, 126, 31, 32, 33, 95, 96, 97, 100, 5, 0, 127, 63, 65}},
      {3, 3, 448, 384, 6, true, {0, 445, 200}},
      {2, 15, 448, 1280, 20, true, {0, 433}},
      {17, 4, 64, 384, 6, true},
      {2, 1, 448, 1280, 20, true, {5, 447}},
      {2, 7, 1500, 384, 6, true, {0, 1493}},
      {300, 1, 65, 64, 1, true}};
  const std::unique_ptr<CudaBackend> old = BackendWith("VERBATIM_CUDA_DECODE_ATTENTION", "old");
  for (CudaBackend* gpu : {cuda_.get(), old.get()}) {
    const char* name = gpu == old.get() ? "old" : "decode";
    for (const std::vector<AttentionCase>* cases : {&cross, &causal}) {
      for (const AttentionCase& c : *cases) {
        EXPECT_LE(AttentionErrorAgainstTheCpu(*gpu, *cpu_, c, DType::kF16), 1e-5)
            << name << " " << c.batch << "×" << c.queries << "×" << c.keys << " d " << c.d_model << " cached "
            << c.cached;
      }
    }
    // Scores of a few hundred (queries 32 times larger): exp of the raw scores would overflow f32, so this
    // passes only if every tile, warp and share is taken relative to its running max.
    for (const AttentionCase& c :
         {AttentionCase{1, 1, 1500, 1280, 20, false}, AttentionCase{45, 1, 1500, 384, 6, false},
          AttentionCase{2, 3, 448, 384, 6, true, {0, 445}}}) {
      EXPECT_LE(AttentionErrorAgainstTheCpu(*gpu, *cpu_, c, DType::kF16, 32.0f), 1e-5)
          << name << " large scores " << c.batch << "×" << c.queries << "×" << c.keys;
    }
  }
  // The shares and warps merge in a fixed order, without atomics: the same inputs give the same bits.
  for (const AttentionCase& c : {cross[6], causal[6]}) {
    const AttentionOnTheCpu inputs = RunAttentionOnTheCpu(*cpu_, c, DType::kF16);
    const bool same = AttentionOnTheGpu(*cuda_, c, inputs, DType::kF16) ==
                      AttentionOnTheGpu(*cuda_, c, inputs, DType::kF16);
    EXPECT_TRUE(same) << c.batch << "×" << c.queries << "×" << c.keys;
  }
}

TEST_F(CudaBackendTest, AttentionOnF16IntermediatesMatchesTheCpu) {
  // The encoder's self-attention at tiny's and large-v3's widths (the flash kernel, all four f16), then
  // shapes the flash kernel does not take (causal; head width 128), whose f16 q and out go through f32.
  for (const AttentionCase& c :
       {AttentionCase{2, 1500, 1500, 384, 6, false}, AttentionCase{1, 100, 1500, 1280, 20, false},
        AttentionCase{2, 20, 448, 384, 6, true}, AttentionCase{2, 5, 40, 128, 1, true}}) {
    const AttentionOnTheCpu expected = RunAttentionOnTheCpu(*cpu_, c, DType::kF16, DType::kF16);
    const std::vector<int64_t> q_shape{c.batch, c.queries, c.d_model}, kv_shape{c.batch, c.keys, c.d_model};
    Tensor out =
        HalfOnGpu(q_shape, std::vector<float>(expected.q.size(), std::numeric_limits<float>::quiet_NaN()));
    cuda_->Attention(HalfOnGpu(q_shape, expected.q), HalfOnGpu(kv_shape, expected.k),
                     HalfOnGpu(kv_shape, expected.v), c.heads, c.cached ? expected.past.data() : nullptr,
                     out);
    const bool flash = cuda_kernels::FlashAttentionApplies(c.queries, c.d_model, c.heads, c.cached);
    // The flash kernel rounds its softmax weights to f16 too (about 4e-4); the others only the output.
    EXPECT_LE(RelativeL2(HalfsFromGpu(out), expected.out), flash ? 2e-3 : 1e-3)
        << c.batch << "×" << c.queries << "×" << c.keys << " d " << c.d_model << " cached " << c.cached;
  }
  // q and out are one dtype, and f16 queries come with f16 keys and values.
  Tensor half = cuda_->Allocate({1, 16, 64}, DType::kF16), wide = cuda_->Allocate({1, 16, 64});
  for (const auto& [k, out] :
       {std::pair<Tensor*, Tensor*>{&wide, &half}, std::pair<Tensor*, Tensor*>{&half, &wide}}) {
    try {
      cuda_->Attention(half, *k, *k, 1, nullptr, *out);
      ADD_FAILURE() << "f16 q with an f32 " << (k == &wide ? "k" : "out") << " must be refused";
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::kInternal) << error.what();
    }
  }
}

TEST_F(CudaBackendTest, TheFlashAttentionKernelMatchesTheCpu) {
  EXPECT_TRUE(cuda_kernels::FlashAttentionApplies(1500, 384, 6, false));
  EXPECT_FALSE(cuda_kernels::FlashAttentionApplies(1500, 384, 6, true));   // causal
  EXPECT_FALSE(cuda_kernels::FlashAttentionApplies(1500, 400, 5, false));  // head_dim 80
  EXPECT_FALSE(cuda_kernels::FlashAttentionApplies(15, 384, 6, false));
  // The encoder (1500 queries), a partial last query block (100), a partial last key tile at large-v3's
  // width, one block of 17 queries over exactly one key tile.
  for (const AttentionCase& c :
       {AttentionCase{2, 1500, 1500, 384, 6, false}, AttentionCase{3, 100, 1500, 512, 8, false},
        AttentionCase{2, 64, 1000, 1280, 20, false}, AttentionCase{1, 17, 64, 64, 1, false}}) {
    const AttentionOnTheCpu expected = RunAttentionOnTheCpu(*cpu_, c);
    const Tensor q = ToGpu({c.batch, c.queries, c.d_model}, expected.q);
    const Tensor k = ToGpu({c.batch, c.keys, c.d_model}, expected.k);
    const Tensor v = ToGpu({c.batch, c.keys, c.d_model}, expected.v);
    // NaN to start with: an element the kernel fails to write fails the check rather than pass by luck.
    Tensor out = ToGpu({c.batch, c.queries, c.d_model},
                       std::vector<float>(expected.q.size(), std::numeric_limits<float>::quiet_NaN()));
    cuda_kernels::FlashAttention(cuda_kernels::AttentionShape{c.batch, c.queries, c.keys, c.d_model, c.heads},
                                 q.data<float>(), k.data<float>(), v.data<float>(), out.data<float>(),
                                 nullptr);
    ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    ASSERT_EQ(cudaGetLastError(), cudaSuccess);
    // f16 operands: about 4e-4 when the kernel's rounding is emulated on the CPU.
    EXPECT_LE(RelativeL2(FromGpu(out), expected.out), 2e-3) << c.batch << "×" << c.queries << "×" << c.keys;

    // All four f16 (a 16-bit model's encoder intermediates): the CPU gets the same rounded q, k and v.
    const AttentionOnTheCpu rounded = RunAttentionOnTheCpu(*cpu_, c, DType::kF16, DType::kF16);
    const std::vector<int64_t> q_shape{c.batch, c.queries, c.d_model}, kv_shape{c.batch, c.keys, c.d_model};
    const Tensor half_q = HalfOnGpu(q_shape, rounded.q), half_k = HalfOnGpu(kv_shape, rounded.k),
                 half_v = HalfOnGpu(kv_shape, rounded.v);
    Tensor half_out =
        HalfOnGpu(q_shape, std::vector<float>(rounded.q.size(), std::numeric_limits<float>::quiet_NaN()));
    using cuda_kernels::Half;
    cuda_kernels::FlashAttention(cuda_kernels::AttentionShape{c.batch, c.queries, c.keys, c.d_model, c.heads},
                                 half_q.data<Half>(), half_k.data<Half>(), half_v.data<Half>(),
                                 half_out.data<Half>(), nullptr);
    ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    ASSERT_EQ(cudaGetLastError(), cudaSuccess);
    EXPECT_LE(RelativeL2(HalfsFromGpu(half_out), rounded.out), 2e-3)
        << "f16 " << c.batch << "×" << c.queries << "×" << c.keys;
  }
}

/**
 * Relative L2 distance from the CPU of one FlashAttention kernel over f16 K and V, with q and out f16
 * (`half_q`) or f32. The output starts as NaN, so an element the kernel fails to write fails the check.
 */
double FlashErrorAgainstTheCpu(CudaBackend& cuda,
                               CpuBackend& cpu,
                               const AttentionCase& c,
                               bool half_q,
                               float q_scale,
                               cuda_kernels::FlashKernel kernel) {
  const AttentionOnTheCpu expected =
      RunAttentionOnTheCpu(cpu, c, DType::kF16, half_q ? DType::kF16 : DType::kF32, q_scale);
  const std::vector<int64_t> q_shape{c.batch, c.queries, c.d_model}, kv_shape{c.batch, c.keys, c.d_model};
  const cuda_kernels::AttentionShape shape{c.batch, c.queries, c.keys, c.d_model, c.heads};
  const std::vector<float> nan(expected.q.size(), std::numeric_limits<float>::quiet_NaN());
  const Tensor k = UploadAsHalf(cuda, kv_shape, expected.k), v = UploadAsHalf(cuda, kv_shape, expected.v);
  using cuda_kernels::Half;
  std::vector<float> out;
  if (half_q) {
    const Tensor q = UploadAsHalf(cuda, q_shape, expected.q);
    Tensor gpu_out = UploadAsHalf(cuda, q_shape, nan);
    cuda_kernels::FlashAttention(shape, q.data<Half>(), k.data<Half>(), v.data<Half>(), gpu_out.data<Half>(),
                                 nullptr, kernel);
    EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    out = DownloadHalfs(gpu_out);
  } else {
    const Tensor q = UploadF32(cuda, q_shape, expected.q);
    Tensor gpu_out = UploadF32(cuda, q_shape, nan);
    cuda_kernels::FlashAttention(shape, q.data<float>(), k.data<Half>(), v.data<Half>(),
                                 gpu_out.data<float>(), nullptr, kernel);
    EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    out = DownloadF32(cuda, gpu_out);
  }
  EXPECT_EQ(cudaGetLastError(), cudaSuccess);
  return RelativeL2(out, expected.out);
}

TEST_F(CudaBackendTest, BothFlashKernelsMatchTheCpuOnAwkwardLengths) {
  using cuda_kernels::FlashKernel;
  // Sequence lengths around the 64-query blocks and 64-key tiles (a lone query and key, less than one
  // tile, exactly one, one past it, one short of two, the encoder's 1500), at several batches × heads; then
  // fewer queries than keys and the other way round.
  const std::vector<AttentionCase> cases{
      {1, 1, 1, 64, 1, false},          {2, 15, 15, 128, 2, false},     {3, 64, 64, 384, 6, false},
      {2, 65, 65, 256, 4, false},       {1, 127, 127, 1280, 20, false}, {2, 1500, 1500, 384, 6, false},
      {1, 1500, 1500, 1280, 20, false}, {2, 3, 1500, 384, 6, false},    {2, 130, 7, 128, 2, false}};
  for (const FlashKernel kernel : {FlashKernel::kRegisters, FlashKernel::kSharedMemory}) {
    const char* name = kernel == FlashKernel::kRegisters ? "registers" : "shared memory";
    for (const AttentionCase& c : cases) {
      // f16 operands and softmax weights: about 4e-4 (the CPU gets the same rounded q, k and v).
      EXPECT_LE(FlashErrorAgainstTheCpu(*cuda_, *cpu_, c, true, 1.0f, kernel), 2e-3)
          << name << " f16 " << c.batch << "×" << c.queries << "×" << c.keys << " d " << c.d_model;
      EXPECT_LE(FlashErrorAgainstTheCpu(*cuda_, *cpu_, c, false, 1.0f, kernel), 2e-3)
          << name << " f32 q " << c.batch << "×" << c.queries << "×" << c.keys << " d " << c.d_model;
    }
    // Scores of a few hundred (queries 32 times larger): exp of the raw scores would overflow even f32, so
    // this passes only if every tile's weights are taken relative to the running max.
    for (const AttentionCase& c :
         {AttentionCase{2, 1500, 1500, 384, 6, false}, AttentionCase{1, 65, 200, 128, 2, false}}) {
      EXPECT_LE(FlashErrorAgainstTheCpu(*cuda_, *cpu_, c, true, 32.0f, kernel), 2e-3)
          << name << " large scores " << c.batch << "×" << c.queries << "×" << c.keys;
    }
  }
}

/**
 * Cross-attention of `rows_per_window` rows of `n_new` queries each to seeded audio, through `backend`'s own
 * memory (PrepareCrossAttention) with `dtype` projections; the output downloaded.
 */
std::vector<float> CrossAttentionOn(Backend& backend,
                                    DType dtype,
                                    const std::vector<int>& rows_per_window,
                                    int64_t n_new,
                                    int64_t kWidth = 384,
                                    int kHeads = 6,
                                    int64_t kAudio = 1500) {
  const int64_t n_windows = static_cast<int64_t>(rows_per_window.size());
  const int64_t n_rows = std::accumulate(rows_per_window.begin(), rows_per_window.end(), int64_t{0});
  auto on_backend = [&](const std::vector<int64_t>& shape, const std::vector<float>& host) {
    Tensor tensor = backend.Allocate(shape);
    backend.Upload(host.data(), tensor);
    return tensor;
  };
  auto projections = [&](uint32_t seed) {
    CrossAttentionProjections layer;
    layer.key_weight =
        backend.PrepareWeight(RandomWeights(dtype, {kWidth, kWidth}, seed).tensor, WeightUse::kMatrix);
    layer.value_weight =
        backend.PrepareWeight(RandomWeights(dtype, {kWidth, kWidth}, seed + 1).tensor, WeightUse::kMatrix);
    layer.value_bias = backend.PrepareWeight(
        F32Tensor({kWidth}, RandomFloats(static_cast<std::size_t>(kWidth), seed + 2)), WeightUse::kVector);
    return layer;
  };
  const Tensor audio = on_backend({n_windows, kAudio, kWidth},
                                  RandomFloats(static_cast<std::size_t>(n_windows * kAudio * kWidth), 54));
  // Two layers, so that the second's projections are the ones used.
  const std::unique_ptr<CrossAttentionMemory> memory =
      backend.PrepareCrossAttention(audio, {projections(51), projections(61)});
  const std::vector<float> q =
      RandomFloats(static_cast<std::size_t>(n_rows * n_new * kWidth), 55, -0.5f, 0.5f);
  Tensor out = on_backend({n_rows, n_new, kWidth},
                          std::vector<float>(q.size(), std::numeric_limits<float>::quiet_NaN()));
  backend.CrossAttention(*memory, 1, on_backend({n_rows, n_new, kWidth}, q), kHeads, rows_per_window, out);
  std::vector<float> host(q.size());
  backend.Download(out, host.data());
  return host;
}

/** A GPU backend that attends over the audio by `kernel` (VERBATIM_CUDA_AUDIO_ATTENTION: fused or gemms). */
std::unique_ptr<CudaBackend> AudioBackend(const char* kernel) {
  setenv("VERBATIM_CUDA_AUDIO_ATTENTION", kernel, 1);
  auto backend = BackendWith("VERBATIM_CUDA_CROSS_ATTENTION", "audio");
  unsetenv("VERBATIM_CUDA_AUDIO_ATTENTION");
  return backend;
}

TEST_F(CudaBackendTest, CrossAttentionOverTheAudioMatchesTheCpusProjectedKeysAndValues) {
  // One row a window (greedy), beams of unequal counts with a finished window (0 rows), several new tokens a
  // row (a prompt): over the audio on the GPU by each kernel, projected keys and values on the CPU and
  // (switched) the GPU. Fresh GPU backends for each case: one that has prepared an f16 weight keeps f16
  // caches from then on.
  for (const std::vector<int>& rows : {std::vector<int>{1, 1, 1, 1}, {2, 0, 3, 3}, {0, 2}}) {
    for (const int64_t n_new : {int64_t{1}, int64_t{3}}) {
      for (const DType dtype : {DType::kF32, DType::kF16}) {
        const std::vector<float> expected = CrossAttentionOn(*cpu_, dtype, rows, n_new);
        // f32: the same sums in another order. f16: queries, folded queries, weights and context are rounded
        // to f16 on the way (the projected path rounds keys and values instead).
        const double tolerance = dtype == DType::kF32 ? 1e-5 : 3e-3;
        for (const char* kernel : {"fused", "gemms"}) {
          const std::unique_ptr<CudaBackend> audio = AudioBackend(kernel);
          EXPECT_LE(RelativeL2(CrossAttentionOn(*audio, dtype, rows, n_new), expected), tolerance)
              << kernel << ", " << rows.size() << " windows, " << n_new << " new, " << DTypeName(dtype);
          // f16 windows (≤ 18 query-heads each here) take the one kernel unless told not to; f32 never does.
          const bool fused = dtype == DType::kF16 && std::string(kernel) == "fused";
          EXPECT_EQ(audio->audio_attention_counts().fused_windows > 0, fused) << kernel << DTypeName(dtype);
          EXPECT_EQ(audio->audio_attention_counts().gemm_windows > 0, !fused) << kernel << DTypeName(dtype);
        }
        const std::unique_ptr<CudaBackend> projected =
            BackendWith("VERBATIM_CUDA_CROSS_ATTENTION", "projected");
        EXPECT_LE(RelativeL2(CrossAttentionOn(*projected, dtype, rows, n_new), expected), tolerance)
            << "projected, " << rows.size() << " windows, " << n_new << " new, " << DTypeName(dtype);
        EXPECT_EQ(projected->audio_attention_counts().fused_windows +
                      projected->audio_attention_counts().gemm_windows,
                  0);
      }
    }
  }
  // large-v3's width and heads: 20 heads of 64 in 1280 — a greedy step (20 query-heads a window) and beams of
  // two new tokens (up to 200 query-heads: 5-row windows take the GEMMs, the 3-row one the kernel).
  struct Shape {
    std::vector<int> rows;
    int64_t n_new;
  };
  for (const Shape& shape : {Shape{{1, 1, 1}, 1}, Shape{{5, 0, 3, 5}, 2}}) {
    for (const DType dtype : {DType::kF32, DType::kF16}) {
      const std::vector<float> expected = CrossAttentionOn(*cpu_, dtype, shape.rows, shape.n_new, 1280, 20);
      const std::unique_ptr<CudaBackend> audio = AudioBackend("fused");
      EXPECT_LE(RelativeL2(CrossAttentionOn(*audio, dtype, shape.rows, shape.n_new, 1280, 20), expected),
                dtype == DType::kF32 ? 1e-5 : 3e-3)
          << "large-v3's shape, " << shape.rows.size() << " windows, " << DTypeName(dtype);
    }
  }
  const std::unique_ptr<CudaBackend> mixed = AudioBackend("fused");
  CrossAttentionOn(*mixed, DType::kF16, {5, 0, 3, 5}, 2, 1280, 20);
  EXPECT_EQ(mixed->audio_attention_counts().fused_windows, 1);  // the 3-row window: 120 query-heads
  EXPECT_EQ(mixed->audio_attention_counts().gemm_windows, 2);   // the 5-row ones: 200 (0 rows: no run)
}

TEST_F(CudaBackendTest, AudioAttentionTakesEveryWhisperWidthAndShortOrRaggedAudio) {
  // Each of the kernel's configurations (tiny … large widths), over 1 frame (one split, written directly),
  // 37 frames (a ragged last 16-frame chunk, three splits merged) and 1,500; query-heads from 6 to 60 a
  // window (a partial 8-query-head tile, one to four tiles a block, and up to three blocks a window).
  struct Width {
    int64_t width;
    int heads;
  };
  for (const Width& w : {Width{384, 6}, Width{512, 8}, Width{768, 12}, Width{1024, 16}, Width{1280, 20}}) {
    for (const int64_t frames : {int64_t{1}, int64_t{37}, int64_t{1500}}) {
      for (const std::vector<int>& rows : {std::vector<int>{1, 2}, {3}}) {
        const std::vector<float> expected =
            CrossAttentionOn(*cpu_, DType::kF16, rows, 1, w.width, w.heads, frames);
        const std::unique_ptr<CudaBackend> audio = AudioBackend("fused");
        EXPECT_LE(
            RelativeL2(CrossAttentionOn(*audio, DType::kF16, rows, 1, w.width, w.heads, frames), expected),
            3e-3)
            << "width " << w.width << ", " << frames << " frames, " << rows.size() << " windows";
        EXPECT_EQ(audio->audio_attention_counts().gemm_windows, 0) << "width " << w.width;
        EXPECT_EQ(audio->audio_attention_counts().fused_windows, static_cast<int64_t>(rows.size()))
            << "width " << w.width;
      }
    }
  }
}

TEST_F(CudaBackendTest, RefusesTensorsFromTheHost) {
  Tensor host = F32Tensor({2, 4}, std::vector<float>(8, 1.0f));
  Tensor gpu = cuda_->Allocate({2, 4});
  try {
    cuda_->LayerNorm(host, ToGpu({4}, {1, 1, 1, 1}), ToGpu({4}, {0, 0, 0, 0}), gpu);
    ADD_FAILURE() << "a host tensor must be refused";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kBackend);
    EXPECT_NE(std::string(error.what()).find("is not in GPU memory"), std::string::npos) << error.what();
  }
}

/** tiny's widths with 2 encoder layers and 2 decoder layers. */
ModelDims TinyShapedDims() {
  ModelDims dims;
  dims.n_audio_layer = 2;
  dims.n_text_layer = 2;
  return dims;
}

std::unique_ptr<Model> Load(std::unique_ptr<InMemoryWeightStore> store, const char* device) {
  ModelLoadParams params;
  params.n_threads = 2;
  params.device = device;
  return CreateWhisperModel(std::move(store), params);
}

/** Greedy tokens after the start sequence, and the logits of every step. */
std::vector<int32_t> Greedy(const Model& model,
                            const EncoderOutput& audio,
                            int steps,
                            std::vector<float>* logits) {
  const int n_vocab = model.info().dims.n_vocab;
  auto session = model.NewDecoderSession(audio);
  std::vector<int32_t> tokens = {50258, 50259, 50359, 50363};
  std::vector<float> last(static_cast<std::size_t>(n_vocab));
  session->Append(tokens.data(), static_cast<int>(tokens.size()), last.data(), DecoderSession::Logits::kLast);
  for (int step = 0; step < steps; ++step) {
    logits->insert(logits->end(), last.begin(), last.end());
    const int32_t next = static_cast<int32_t>(std::max_element(last.begin(), last.end()) - last.begin());
    tokens.push_back(next);
    session->Append(&next, 1, last.data(), DecoderSession::Logits::kLast);
  }
  return tokens;
}

TEST_F(CudaBackendTest, HostFloatsForDownloadsArePageLocked) {
  // The decoding loop's logits buffer: page-locked, so that a step's download runs at the bus's speed.
  const auto values = RandomFloats(3 * 51866, 111);
  const std::shared_ptr<float> host = cuda_->AllocateHostFloats(values.size());
  cudaPointerAttributes attributes{};
  ASSERT_EQ(cudaPointerGetAttributes(&attributes, host.get()), cudaSuccess);
  EXPECT_EQ(attributes.type, cudaMemoryTypeHost);
  cuda_->Download(ToGpu({3, 1, 51866}, values), host.get());
  EXPECT_TRUE(std::equal(values.begin(), values.end(), host.get()));
  // The CPU backend's is ordinary memory, zeroed.
  const std::shared_ptr<float> plain = cpu_->AllocateHostFloats(4);
  EXPECT_EQ(plain.get()[0], 0.0f);
  EXPECT_EQ(plain.get()[3], 0.0f);
}

TEST_F(CudaBackendTest, ArgMaxRowsMatchesTheHostSearchIncludingTies) {
  for (const int64_t n_columns : {int64_t{1}, int64_t{7}, int64_t{300}, int64_t{51866}}) {
    auto values = RandomFloats(static_cast<std::size_t>(5 * n_columns), 61, -3.0f, 3.0f);
    if (n_columns > 200) {  // ties: row 1's maximum twice (the first wins), row 2 all equal (column 0 wins)
      values[1 * n_columns + 150] = 10.0f;
      values[1 * n_columns + 190] = 10.0f;
      std::fill(values.begin() + 2 * n_columns, values.begin() + 3 * n_columns, 0.5f);
    }
    if (n_columns >
        50000) {  // a tie between two of the row's shares (a block's columns each): the first wins
      values[3 * n_columns + 100] = 20.0f;
      values[3 * n_columns + 45000] = 20.0f;
    }
    std::vector<int32_t> expected(5), on_gpu(5, -1);
    cpu_->ArgMaxRows(F32Tensor({5, 1, n_columns}, values), expected.data());
    cuda_->ArgMaxRows(ToGpu({5, 1, n_columns}, values), on_gpu.data());
    EXPECT_EQ(on_gpu, expected) << n_columns;
    if (n_columns > 200) {
      EXPECT_EQ(on_gpu[1], 150);
      EXPECT_EQ(on_gpu[2], 0);
    }
    if (n_columns > 50000)
      EXPECT_EQ(on_gpu[3], 100);
  }
}

TEST_F(CudaBackendTest, TokensChosenUnderTheLogitRulesAreTheHostsChoice) {
  // Each row's history exercises one of the rules (a first token, a lone timestamp, a closed pair, text after
  // a segment, plain text); some rows' timestamps are raised until together they outweigh the likeliest text
  // token, one row ties its best text and timestamp logits (without timestamp rules the lower column wins;
  // with them the timestamps' mass outweighs the text). Under three rule sets: timestamps with and
  // without a max initial timestamp, and no timestamps with suppress_blank.
  constexpr int64_t kVocab = 51866;
  const SpecialTokens special = *WhisperSpecialTokens(static_cast<int>(kVocab));
  const int32_t begin = special.timestamp_begin;
  const std::vector<std::vector<int32_t>> histories = {
      {},
      {begin + 10},
      {begin + 10, 500},
      {begin + 10, 500, begin + 20},
      {begin + 10, 500, begin + 20, begin + 20},
      {500, 501, 502},
      {begin + 4, 700, 701},
      {begin},
  };
  const auto n_rows = static_cast<int64_t>(histories.size());
  std::vector<float> logits = RandomFloats(static_cast<std::size_t>(n_rows * kVocab), 81, -3.0f, 3.0f);
  for (const int64_t row : {int64_t{2}, int64_t{5}, int64_t{7}}) {  // timestamps that outweigh the text
    for (int32_t t = begin + 25; t < begin + 225; ++t)
      logits[row * kVocab + t] = 4.0f;
  }
  logits[6 * kVocab + 1234] = 9.0f;  // row 6: its best text and best timestamp tie
  logits[6 * kVocab + begin + 40] = 9.0f;
  const std::vector<int32_t> suppressed = AlwaysSuppressedTokens(special, {220, 1000, 50000});
  struct RuleSet {
    const char* name;
    LogitRules rules;
  };
  const RuleSet sets[] = {
      {"timestamps, max initial 50", LogitRules(special, true, suppressed, TimestampRules(special, 50))},
      {"timestamps", LogitRules(special, true, suppressed, TimestampRules(special, std::nullopt))},
      {"no timestamps", LogitRules(special, true, suppressed, std::nullopt)},
  };
  const Tensor on_gpu = ToGpu({n_rows, 1, kVocab}, logits);
  for (const RuleSet& set : sets) {
    // k = 1 (greedy) and 6 (beam search of 5): the host's TopK order, largest first, lower id among equals.
    for (const int k : {1, 6}) {
      std::vector<RowHistory> rows;
      std::vector<int32_t> expected_tokens;
      std::vector<double> expected_logprobs;
      for (int64_t r = 0; r < n_rows; ++r) {
        const std::vector<int32_t>& history = histories[r];
        rows.push_back(RowHistoryOf(history, begin));
        std::vector<float> row(logits.begin() + r * kVocab, logits.begin() + (r + 1) * kVocab);
        set.rules.Apply(history.data(), static_cast<int>(history.size()), row.data(),
                        static_cast<int>(kVocab));
        std::vector<int32_t> ids(static_cast<std::size_t>(kVocab));
        std::iota(ids.begin(), ids.end(), 0);
        std::partial_sort(ids.begin(), ids.begin() + k, ids.end(), [&](int32_t a, int32_t b) {
          return row[a] > row[b] || (row[a] == row[b] && a < b);
        });
        EXPECT_EQ(ids[0], ArgmaxToken(row.data(), static_cast<int>(kVocab)));
        const double log_sum_exp = LogSumExp(row.data(), static_cast<int>(kVocab));
        for (int i = 0; i < k; ++i) {
          expected_tokens.push_back(ids[i]);
          expected_logprobs.push_back(TokenLogProb(row.data(), ids[i], log_sum_exp));
        }
      }
      std::vector<int32_t> tokens(static_cast<std::size_t>(n_rows * k), -1);
      std::vector<float> logprobs(static_cast<std::size_t>(n_rows * k), 0.0f);
      EXPECT_TRUE(cuda_->ChoosesTokens(k));
      EXPECT_FALSE(BackendWith("VERBATIM_CUDA_CHOOSE", "host")->ChoosesTokens(k));
      cuda_->ChooseTokens(on_gpu, set.rules.ForBackend(), rows, k, tokens.data(), logprobs.data());
      EXPECT_EQ(tokens, expected_tokens) << set.name << ", k " << k;
      for (std::size_t i = 0; i < tokens.size(); ++i)
        EXPECT_NEAR(logprobs[i], expected_logprobs[i], 1e-4) << set.name << ", k " << k << ", choice " << i;
      if (set.rules.ForBackend().timestamps) {
        EXPECT_GE(tokens[0], begin) << set.name << ": a window opens with a timestamp";
        EXPECT_GE(tokens[2 * k], begin + 11)
            << set.name << ": after a segment, a later timestamp outweighs text";
        EXPECT_EQ(tokens[6 * k], begin + 40) << set.name << ": the timestamps' mass outweighs the tied text";
      } else {
        EXPECT_EQ(tokens[6 * k], 1234) << set.name << ": a tie goes to the lower column";
        if (k > 1)
          EXPECT_EQ(tokens[6 * k + 1], begin + 40) << set.name << ": and the other one comes next";
      }
    }
  }
  EXPECT_FALSE(cuda_->ChoosesTokens(0));
  EXPECT_FALSE(cuda_->ChoosesTokens(33));
  // The rules' tokens must be the vocabulary's: a wrong one is refused, naming it.
  LogitRuleValues bad = sets[0].rules.ForBackend();
  bad.suppressed.push_back(static_cast<int32_t>(kVocab));
  std::vector<RowHistory> rows(static_cast<std::size_t>(n_rows));
  std::vector<int32_t> tokens(static_cast<std::size_t>(n_rows));
  std::vector<float> logprobs(static_cast<std::size_t>(n_rows));
  try {
    cuda_->ChooseTokens(on_gpu, bad, rows, 1, tokens.data(), logprobs.data());
    ADD_FAILURE() << "a suppressed id outside the vocabulary was accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kInvalidArg);
    EXPECT_NE(std::string(error.what()).find("51866"), std::string::npos) << error.what();
  }
}

TEST_F(CudaBackendTest, AWholeModelComputesWhatTheCpuComputes) {
  const auto mel = RandomFloats(2 * 80 * 3000, 51, -1.0f, 1.5f);
  for (DType dtype : {DType::kF32, DType::kF16}) {
    const auto cpu = Load(InMemoryWeightStore::RandomWhisper(TinyShapedDims(), 52, dtype), "cpu");
    const auto gpu = Load(InMemoryWeightStore::RandomWhisper(TinyShapedDims(), 52, dtype), "cuda");
    EXPECT_EQ(gpu->info().backend, "cuda");
    EXPECT_FALSE(gpu->info().device_name.empty());
    EXPECT_EQ(cpu->PeakDeviceBytes(), 0u);
    EXPECT_GE(gpu->PeakDeviceBytes(), gpu->info().weight_copy_bytes);  // the uploaded weights, at least
    const auto cpu_audio = cpu->Encode(mel.data(), 2);
    const auto gpu_audio = gpu->Encode(mel.data(), 2);
    std::vector<float> cpu_frames(2 * 1500 * 384), gpu_frames(2 * 1500 * 384);
    cpu_audio->CopyTo(cpu_frames.data());
    gpu_audio->CopyTo(gpu_frames.data());
    EXPECT_LE(RelativeL2(gpu_frames, cpu_frames), dtype == DType::kF32 ? 1e-5 : 1e-2) << DTypeName(dtype);

    std::vector<float> cpu_logits, gpu_logits;
    const auto cpu_tokens = Greedy(*cpu, *cpu->Encode(mel.data(), 1), 24, &cpu_logits);
    const auto gpu_tokens = Greedy(*gpu, *gpu->Encode(mel.data(), 1), 24, &gpu_logits);
    EXPECT_LE(RelativeL2(gpu_logits, cpu_logits), dtype == DType::kF32 ? 1e-5 : 1e-2) << DTypeName(dtype);
    if (dtype == DType::kF32) {
      EXPECT_EQ(gpu_tokens, cpu_tokens);
      // The same choices made on the GPU (AppendArgMax: only the tokens come back).
      auto session = gpu->NewDecoderSession(*gpu->Encode(mel.data(), 1));
      std::vector<int32_t> tokens(cpu_tokens.begin(), cpu_tokens.begin() + 4);
      int32_t next = -1;
      session->AppendArgMax(tokens.data(), 4, &next);
      for (std::size_t i = 4; i < cpu_tokens.size(); ++i) {
        EXPECT_EQ(next, cpu_tokens[i]) << "step " << i - 4;
        const int32_t chosen = next;
        session->AppendArgMax(&chosen, 1, &next);
      }
    }
  }
}

/** Greedy (beams 0) or beam decoding with timestamp rules, 24 tokens at most, of `n_windows` English windows.
 */
DecodeParams EnglishDecodeParams(int beams, int n_windows) {
  DecodeParams params;
  params.n_beams = beams;
  params.timestamps = true;
  params.temperatures = {0.0f};
  params.n_max_new_tokens = 24;
  params.compression_ratio_threshold.reset();
  params.logprob_threshold.reset();
  params.no_speech_threshold.reset();
  params.windows.assign(static_cast<std::size_t>(n_windows), DecodeWindow{});
  for (DecodeWindow& window : params.windows)
    window.language_token = 50259;
  return params;
}

TEST_F(CudaBackendTest, LeanMemoryStreamsTheEncodersWeightsAndComputesWhatTheDefaultComputes) {
  // 13 windows: two slices at the lean activation budget (12 tiny-shaped windows a slice), one at the
  // default.
  constexpr int kWindows = 13;
  const auto mel = RandomFloats(static_cast<std::size_t>(kWindows) * 80 * 3000, 91, -1.0f, 1.5f);
  for (DType dtype : {DType::kF32, DType::kF16}) {
    const auto store = InMemoryWeightStore::RandomWhisper(TinyShapedDims(), 92, dtype);
    const std::unique_ptr<CudaBackend> plain_backend = BackendWith("VERBATIM_CUDA_MEMORY", "fast");
    CudaBackend& plain = *plain_backend;
    const std::unique_ptr<CudaBackend> lean = BackendWith("VERBATIM_CUDA_MEMORY", "lean");
    const WhisperWeights plain_weights = LoadWhisperWeights(*store, plain);
    const WhisperWeights lean_weights = LoadWhisperWeights(*store, *lean);
    // Every encoder layer's six matrices (12 d² values) stay in host memory; nothing else does.
    const ModelDims dims = TinyShapedDims();
    const std::size_t width = static_cast<std::size_t>(dims.n_audio_state);
    EXPECT_EQ(lean->streamed_weight_counts().host_bytes,
              dims.n_audio_layer * 12 * width * width * DTypeSize(dtype));
    EXPECT_EQ(plain.streamed_weight_counts().host_bytes, 0u);
    EXPECT_LT(lean->weight_copy_bytes(), plain.weight_copy_bytes());

    auto encode = [&](CudaBackend& backend, const WhisperWeights& weights) {
      Tensor device_mel = backend.Allocate({kWindows, 80, 3000});
      backend.Upload(mel.data(), device_mel);
      std::vector<float> frames(static_cast<std::size_t>(kWindows) * 1500 * width);
      backend.Download(RunWhisperEncoder(backend, weights, device_mel), frames.data());
      return frames;
    };
    const std::vector<float> plain_frames = encode(plain, plain_weights);
    const std::vector<float> lean_frames = encode(*lean, lean_weights);
    // Each layer copied once for the whole batch (both slices), every Linear on its device copy.
    EXPECT_EQ(lean->streamed_weight_counts().copies, dims.n_audio_layer);
    EXPECT_EQ(lean->streamed_weight_counts().misses, 0);
    // The same operations on smaller slices: cuBLAS may pick other kernels for the other row counts.
    EXPECT_LE(RelativeL2(lean_frames, plain_frames), dtype == DType::kF32 ? 1e-5 : 1e-3) << DTypeName(dtype);
    // A second batch copies the layers again, in order.
    encode(*lean, lean_weights);
    EXPECT_EQ(lean->streamed_weight_counts().copies, 2 * dims.n_audio_layer);
    EXPECT_EQ(lean->streamed_weight_counts().misses, 0);
  }

  // Whole models: the lean one (cross-attention over the audio too) chooses the default one's tokens, greedy
  // with timestamp rules and with beams (an f32 model: the two paths' sums differ only in order).
  auto load = [](const char* memory) {
    setenv("VERBATIM_CUDA_MEMORY", memory, 1);
    auto model = Load(InMemoryWeightStore::RandomWhisper(TinyShapedDims(), 93, DType::kF32), "cuda");
    unsetenv("VERBATIM_CUDA_MEMORY");
    return model;
  };
  const auto plain = load("fast");
  const auto lean = load("lean");
  const auto plain_audio = plain->Encode(mel.data(), 3);
  const auto lean_audio = lean->Encode(mel.data(), 3);
  for (int beams : {0, 3}) {
    const DecodeParams params = EnglishDecodeParams(beams, 3);
    const auto expected = plain->Decode(*plain_audio, params);
    const auto actual = lean->Decode(*lean_audio, params);
    ASSERT_EQ(actual.size(), expected.size());
    for (std::size_t w = 0; w < expected.size(); ++w) {
      EXPECT_FALSE(actual[w].tokens.empty());
      EXPECT_EQ(actual[w].tokens, expected[w].tokens) << "beams " << beams << " window " << w;
    }
  }
  EXPECT_LT(lean->PeakDeviceBytes(), plain->PeakDeviceBytes());
}

TEST_F(CudaBackendTest, AMemoryOrCrossAttentionSwitchWithATypoIsRefusedNamingIt) {
  for (const char* name : {"VERBATIM_CUDA_MEMORY", "VERBATIM_CUDA_CROSS_ATTENTION",
                           "VERBATIM_CUDA_AUDIO_ATTENTION", "VERBATIM_CUDA_CHOOSE"}) {
    setenv(name, "laen", 1);
    try {
      CudaBackend backend(0);
      ADD_FAILURE() << name << "=laen was accepted";
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::kInvalidArg);
      EXPECT_NE(std::string(error.what()).find(name), std::string::npos) << error.what();
      EXPECT_NE(std::string(error.what()).find("\"laen\""), std::string::npos) << error.what();
    }
    unsetenv(name);
  }
}

/** Windows of 16 kHz samples, each padded or trimmed to 30 s by the log-mel. */
using Windows = std::vector<std::vector<float>>;

/** ComputeLogMelBatch of `windows`: [B][n_mels][3000]. */
std::vector<float> HostLogMel(const Windows& windows, int n_mels) {
  std::vector<const float*> samples;
  std::vector<std::size_t> n_samples;
  for (const std::vector<float>& window : windows) {
    samples.push_back(window.empty() ? nullptr : window.data());
    n_samples.push_back(window.size());
  }
  std::vector<float> out(windows.size() * n_mels * kWindowFrames);
  ComputeLogMelBatch(samples.data(), n_samples.data(), static_cast<int>(windows.size()), n_mels, out.data(),
                     2);
  return out;
}

/** CudaBackend::LogMel of `windows`, padded or trimmed here as Model::EncodeSamples does. */
std::vector<float> GpuLogMel(CudaBackend& gpu, const Windows& windows, int n_mels) {
  const auto n_batch = static_cast<int64_t>(windows.size());
  std::vector<float> padded(windows.size() * kWindowSamples, 0.0f);
  for (std::size_t i = 0; i < windows.size(); ++i) {
    std::copy_n(windows[i].begin(), std::min(windows[i].size(), kWindowSamples),
                padded.begin() + i * kWindowSamples);
  }
  const Tensor samples = UploadF32(gpu, {n_batch, static_cast<int64_t>(kWindowSamples)}, padded);
  Tensor out = gpu.Allocate({n_batch, n_mels, static_cast<int64_t>(kWindowFrames)});
  gpu.LogMel(samples, n_mels, out);
  return DownloadF32(gpu, out);
}

double MaxAbsDifference(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double most = 0.0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    most = std::max(most, std::fabs(static_cast<double>(a[i]) - b[i]));
  return most;
}

/** jfk.wav (11 s of speech) as float32, int16 / 32768 as the app reads it. */
std::vector<float> Speech() {
  const std::vector<std::int16_t> pcm = test_support::ReadWavPcm16(test_support::SpeechPath("jfk/jfk.wav"));
  std::vector<float> samples(pcm.size());
  std::transform(pcm.begin(), pcm.end(), samples.begin(),
                 [](std::int16_t value) { return value / 32768.0f; });
  return samples;
}

/** A square wave at full scale, as clipped audio is: `seconds` long, `period` samples a cycle. */
std::vector<float> ClippedSquareWave(double seconds, int period) {
  std::vector<float> samples(static_cast<std::size_t>(seconds * 16000));
  for (std::size_t i = 0; i < samples.size(); ++i)
    samples[i] = (i / (period / 2)) % 2 == 0 ? 1.0f : -1.0f;
  return samples;
}

/** The 1e-4 the host's log-mel keeps to against numpy (audio/log_mel.h), here between the host and the GPU.
 */
constexpr double kLogMelTolerance = 1e-4;

TEST_F(CudaBackendTest, LogMelMatchesTheHostOnSpeechSilenceClippingAndShortWindows) {
  const std::vector<float> speech = Speech();
  ASSERT_GT(speech.size(), 16000u * 10) << "jfk.wav: set VERBATIM_SHARED or check out ../shared";
  std::vector<float> long_speech;  // 44 s: trimmed to its first 30
  for (int i = 0; i < 4; ++i)
    long_speech.insert(long_speech.end(), speech.begin(), speech.end());
  const std::vector<float> tail(speech.end() - 4000, speech.end());
  struct Case {
    const char* name;
    Windows windows;
  };
  const Case cases[] = {
      {"speech", {speech}},
      {"speech past 30 s", {long_speech}},
      {"silence", {std::vector<float>(kWindowSamples, 0.0f)}},
      {"clipped square wave", {ClippedSquareWave(30.0, 80)}},
      {"one sample", {{0.5f}}},
      {"no samples", Windows(1)},
      // Each window with its own max - 8 floor: a loud one beside quiet and empty ones.
      {"mixed lengths", {speech, {}, {-0.25f}, ClippedSquareWave(5.0, 37), tail, long_speech}},
  };
  for (int n_mels : {80, 128}) {
    for (const Case& test : cases) {
      const double difference =
          MaxAbsDifference(GpuLogMel(*cuda_, test.windows, n_mels), HostLogMel(test.windows, n_mels));
      EXPECT_LE(difference, kLogMelTolerance) << test.name << ", " << n_mels << " mel bins";
    }
  }
}

TEST_F(CudaBackendTest, LogMelRefusesHostTensorsAndOtherBinCounts) {
  Tensor host_samples = cpu_->Allocate({1, static_cast<int64_t>(kWindowSamples)});
  Tensor out = cuda_->Allocate({1, 80, static_cast<int64_t>(kWindowFrames)});
  try {
    cuda_->LogMel(host_samples, 80, out);
    ADD_FAILURE() << "host samples must be refused";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kBackend);
    EXPECT_NE(std::string(error.what()).find("samples is not in GPU memory"), std::string::npos)
        << error.what();
  }
  Tensor samples = cuda_->Allocate({1, static_cast<int64_t>(kWindowSamples)});
  try {
    cuda_->LogMel(samples, 64, out);
    ADD_FAILURE() << "64 mel bins must be refused";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kInvalidArg);
    EXPECT_STREQ(error.what(), "[CudaBackend::LogMel] n_mels must be 80 or 128: 64");
  }
}

TEST_F(CudaBackendTest, EncodeSamplesOnTheGpuComputesWhatTheCpuComputes) {
  const std::vector<float> speech = Speech();
  ASSERT_FALSE(speech.empty());
  const Windows windows = {speech, {0.5f}, ClippedSquareWave(3.0, 80)};
  const std::vector<const float*> samples = {windows[0].data(), windows[1].data(), windows[2].data()};
  const std::vector<std::size_t> n_samples = {windows[0].size(), windows[1].size(), windows[2].size()};
  const auto cpu = Load(InMemoryWeightStore::RandomWhisper(TinyShapedDims(), 53, DType::kF32), "cpu");
  const auto gpu = Load(InMemoryWeightStore::RandomWhisper(TinyShapedDims(), 53, DType::kF32), "cuda");
  const std::size_t n_values = 3 * 1500 * 384;
  std::vector<float> on_cpu(n_values), on_gpu(n_values), on_gpu_from_host_mel(n_values);
  cpu->EncodeSamples(samples.data(), n_samples.data(), 3)->CopyTo(on_cpu.data());
  gpu->EncodeSamples(samples.data(), n_samples.data(), 3)->CopyTo(on_gpu.data());
  const std::vector<float> mel = HostLogMel(windows, 80);
  gpu->Encode(mel.data(), 3)->CopyTo(on_gpu_from_host_mel.data());
  // f32 weights: the CPU and GPU encoders agree to 1e-5 on one mel (AWholeModelComputesWhatTheCpuComputes);
  // the GPU's log-mel adds its few float32 steps.
  EXPECT_LE(RelativeL2(on_gpu, on_cpu), 1e-4);
  EXPECT_LE(RelativeL2(on_gpu, on_gpu_from_host_mel), 1e-4);
}

/**
 * One seeded f16 tiny-shaped model three ways: on the CPU (f32 activations), on the GPU's default path
 * (`narrow`: f16 intermediates), and on the GPU with `switch_off`=0, the f32 path of before (`wide`).
 */
struct ThreeWays {
  std::unique_ptr<Model> cpu, narrow, wide;
};
ThreeWays LoadThreeWays(uint32_t seed, const char* switch_off) {
  const auto weights = [seed] {
    return InMemoryWeightStore::RandomWhisper(TinyShapedDims(), seed, DType::kF16);
  };
  ThreeWays models;
  models.cpu = Load(weights(), "cpu");
  models.narrow = Load(weights(), "cuda");
  setenv(switch_off, "0", 1);
  models.wide = Load(weights(), "cuda");
  unsetenv(switch_off);
  return models;
}

/** 24 greedy steps of window 0 on each of the three: both GPU paths' logits against the CPU's, within 1e-2.
 */
struct GreedyBothPaths {
  std::vector<int32_t> narrow_tokens, wide_tokens;
  std::vector<float> narrow_logits, wide_logits;
};
GreedyBothPaths GreedyThreeWays(const ThreeWays& models, const std::vector<float>& mel) {
  std::vector<float> cpu_logits;
  GreedyBothPaths out;
  Greedy(*models.cpu, *models.cpu->Encode(mel.data(), 1), 24, &cpu_logits);
  out.narrow_tokens = Greedy(*models.narrow, *models.narrow->Encode(mel.data(), 1), 24, &out.narrow_logits);
  out.wide_tokens = Greedy(*models.wide, *models.wide->Encode(mel.data(), 1), 24, &out.wide_logits);
  EXPECT_LE(RelativeL2(out.narrow_logits, cpu_logits), 1e-2);
  EXPECT_LE(RelativeL2(out.wide_logits, cpu_logits), 1e-2);
  return out;
}

TEST_F(CudaBackendTest, F16IntermediatesKeepAnF16ModelsOutputAndTokens) {
  // The same f16 model on the CPU (f32 activations), on the GPU with f16 intermediates (the default), and on
  // the GPU with the f32 intermediates of before (VERBATIM_CUDA_F16_ENCODER=0).
  const auto mel = RandomFloats(2 * 80 * 3000, 53, -1.0f, 1.5f);
  const ThreeWays models = LoadThreeWays(54, "VERBATIM_CUDA_F16_ENCODER");
  const Model &cpu = *models.cpu, &narrow = *models.narrow, &wide = *models.wide;
  auto frames = [&](const Model& model) {
    std::vector<float> host(2 * 1500 * 384);
    model.Encode(mel.data(), 2)->CopyTo(host.data());
    return host;
  };
  const std::vector<float> cpu_frames = frames(cpu), narrow_frames = frames(narrow),
                           wide_frames = frames(wide);
  EXPECT_LE(RelativeL2(narrow_frames, cpu_frames), 1e-2);
  // f16 intermediates round what the f32 ones converted before each GEMM anyway, plus a second rounding of
  // q, k, v and the hidden layer in places: close to the f32 intermediates, and not identical (the switch
  // took effect).
  const double between = RelativeL2(narrow_frames, wide_frames);
  EXPECT_LE(between, 2e-3);
  EXPECT_GT(between, 0.0);

  const GreedyBothPaths greedy = GreedyThreeWays(models, mel);
  EXPECT_EQ(greedy.narrow_tokens, greedy.wide_tokens);
}

TEST_F(CudaBackendTest, F16DecoderStepKeepsAnF16ModelsLogitsAndTokensGreedyAndWithBeams) {
  // The same f16 model on the CPU, on the GPU with the decoder step's GEMM inputs in f16 (the default: each
  // Linear one GEMM with its bias, and the residual add, in the epilogue) and on the GPU with the f32 ones
  // of before (VERBATIM_CUDA_F16_DECODER=0). The encoder is the same on both GPU models.
  // Both GPU models with the small-M kernel off: on it both paths round the very same values to f16 (the
  // kernel rounds an f32 x as it reads it), so only cuBLAS's paths tell them apart.
  const auto mel = RandomFloats(2 * 80 * 3000, 81, -1.0f, 1.5f);
  setenv("VERBATIM_CUDA_SMALL_GEMM", "0", 1);
  const ThreeWays models = LoadThreeWays(82, "VERBATIM_CUDA_F16_DECODER");
  unsetenv("VERBATIM_CUDA_SMALL_GEMM");
  const Model &cpu = *models.cpu, &narrow = *models.narrow, &wide = *models.wide;

  const GreedyBothPaths greedy = GreedyThreeWays(models, mel);
  // Both paths round the GEMMs' inputs to f16; the new one rounds the MLP's hidden layer once more (GEMM →
  // f16, then bias and GELU): close, and not identical (the switch took effect).
  const double between = RelativeL2(greedy.narrow_logits, greedy.wide_logits);
  EXPECT_LE(between, 5e-3);
  EXPECT_GT(between, 0.0);
  EXPECT_EQ(greedy.narrow_tokens, greedy.wide_tokens);

  // All positions' logits at once (a prompt scored whole): the final norm's f16 output feeds the logits GEMM.
  auto all_positions = [&](const Model& model) {
    const int n_vocab = model.info().dims.n_vocab;
    auto session = model.NewDecoderSession(*model.Encode(mel.data(), 1));
    const std::vector<int32_t> prompt = {50258, 50259, 50359, 50363, 400, 1000};
    std::vector<float> logits(prompt.size() * static_cast<std::size_t>(n_vocab));
    session->Append(prompt.data(), static_cast<int>(prompt.size()), logits.data(),
                    DecoderSession::Logits::kAll);
    return logits;
  };
  EXPECT_LE(RelativeL2(all_positions(narrow), all_positions(cpu)), 1e-2);

  // Beam search (its KV-cache reordering included) and greedy decoding with timestamp rules, on two windows:
  // the new path chooses what the old one chose.
  const auto narrow_audio = narrow.Encode(mel.data(), 2);
  const auto wide_audio = wide.Encode(mel.data(), 2);
  for (int beams : {0, 3}) {
    const DecodeParams params = EnglishDecodeParams(beams, 2);
    const auto expected = wide.Decode(*wide_audio, params);
    const auto actual = narrow.Decode(*narrow_audio, params);
    ASSERT_EQ(actual.size(), expected.size());
    for (std::size_t w = 0; w < expected.size(); ++w) {
      EXPECT_FALSE(actual[w].tokens.empty());
      EXPECT_EQ(actual[w].tokens, expected[w].tokens) << "beams " << beams << " window " << w;
    }
  }
}

/** A decoder over three encoded windows of a seeded f16 tiny-shaped model, on one backend. */
struct DecoderOn {
  DecoderOn(Backend& backend, const InMemoryWeightStore& store, const std::vector<float>& mel)
      : weights(LoadWhisperWeights(store, backend)) {
    Tensor device_mel = backend.Allocate({3, 80, 3000});
    backend.Upload(mel.data(), device_mel);
    audio = RunWhisperEncoder(backend, weights, device_mel);
    decoder = std::make_unique<WhisperDecoder>(backend, weights, audio);
  }
  WhisperWeights weights;
  Tensor audio;
  std::unique_ptr<WhisperDecoder> decoder;
};

TEST_F(CudaBackendTest, DecodeStepsReplayedFromAGraphComputeWhatUnrecordedStepsDo) {
  // The same decoder steps on a backend that captures and replays them (the default) and on one that
  // launches every operation (VERBATIM_CUDA_GRAPHS=0): the same kernels on the same data, so the logits must
  // be bit for bit the same, through everything that changes a step's ints or tensors — rows of different
  // lengths, beams reordered, the caches growing past 128 positions, a step of another shape in between.
  const auto store = InMemoryWeightStore::RandomWhisper(TinyShapedDims(), 91, DType::kF16);
  const auto mel = RandomFloats(3 * 80 * 3000, 92, -1.0f, 1.5f);
  const auto unrecorded_backend = BackendWith("VERBATIM_CUDA_GRAPHS", "0");
  DecoderOn graphs(*cuda_, *store, mel), unrecorded(*unrecorded_backend, *store, mel);
  auto logits = [](Backend& backend, const Tensor& tensor) {
    std::vector<float> host(static_cast<std::size_t>(tensor.numel()));
    backend.Download(tensor, host.data());
    return host;
  };
  auto both = [&](const std::function<const Tensor&(WhisperDecoder&)>& append, const std::string& what) {
    const std::vector<float> expected = logits(*unrecorded_backend, append(*unrecorded.decoder));
    const std::vector<float> actual = logits(*cuda_, append(*graphs.decoder));
    ASSERT_EQ(actual.size(), expected.size());
    EXPECT_TRUE(actual == expected) << what << ": relative L2 " << RelativeL2(actual, expected);
  };
  const std::vector<int32_t> start = {50258, 50259, 50359, 50363, 50258, 50259,
                                      50359, 50363, 50258, 50259, 50359, 50363};
  both([&](WhisperDecoder& d) -> const Tensor& { return d.Append(start.data(), 4, false); }, "start");
  for (int step = 0; step < 150; ++step) {
    const std::vector<int32_t> next = {400 + step, 1000 + 3 * step, 2000 + 7 * step};
    if (step == 20) {  // row 1 two tokens shorter: the rows' positions and masks differ from here on
      graphs.decoder->Truncate(1, graphs.decoder->length(1) - 2);
      unrecorded.decoder->Truncate(1, unrecorded.decoder->length(1) - 2);
    }
    if (step == 40) {  // a step of another shape in between: every new position's logits
      const std::vector<int32_t> two = {7, 8, 9, 10, 11, 12};
      both([&](WhisperDecoder& d) -> const Tensor& { return d.Append(two.data(), 2, true); },
           "all positions");
    }
    if (step == 60) {  // beams reordered: row 2 continues row 0 (caches copied outside the step)
      graphs.decoder->ReorderRows({0, 1, 0});
      unrecorded.decoder->ReorderRows({0, 1, 0});
    }
    both([&](WhisperDecoder& d) -> const Tensor& { return d.Append(next.data(), 1, false); },
         "step " + std::to_string(step));
  }
  EXPECT_EQ(graphs.decoder->length(0), 4 + 2 + 150);  // past 128: the caches grew once
  const CudaBackend::StepGraphCounts counts = cuda_->step_graph_counts();
  EXPECT_EQ(counts.why_off, "");
  // A graph for the steps before the growth and one after, each captured on the second step of its kind
  // (and again after the step of another shape, whose workspace the next steps reallocate): most replayed.
  EXPECT_GE(counts.captures, 2);
  EXPECT_LE(counts.captures, 6);
  EXPECT_GE(counts.launches, 140);
  const CudaBackend::StepGraphCounts off = unrecorded_backend->step_graph_counts();
  EXPECT_EQ(off.launches, 0);
  EXPECT_EQ(off.why_off, "VERBATIM_CUDA_GRAPHS=0");
}

TEST_F(CudaBackendTest, StepsThatCannotBeGraphsRunAsTheyAreAndAFailedStepLeavesNoTrace) {
  // A step with a copy to the host cannot be a graph: it runs as it is every time (its results right), is
  // never captured, and graphs stay on for other steps. A step whose operation fails throws the operation's
  // error, and the next steps record, capture and replay as if it had not happened.
  const auto weights = RandomWeights(DType::kF16, {64, 96}, 121);
  const Tensor weight = cuda_->PrepareWeight(weights.tensor, WeightUse::kMatrix);
  const auto x_values = RandomFloats(16 * 96, 122);
  const Tensor x = ToGpu({16, 96}, x_values);
  Tensor out = cuda_->Allocate({16, 64});
  const Tensor no_bias;
  std::vector<float> downloaded(16 * 64), expected(16 * 64);
  cuda_->Linear(x, weight, no_bias, LinearEpilogue::kStore, out);
  cuda_->Download(out, expected.data());
  const CudaBackend::StepGraphCounts before = cuda_->step_graph_counts();
  for (int i = 0; i < 4; ++i) {
    std::fill(downloaded.begin(), downloaded.end(), 0.0f);
    cuda_->RunRepeatedStep([&] {
      cuda_->Linear(x, weight, no_bias, LinearEpilogue::kStore, out);
      cuda_->Download(out, downloaded.data());
    });
    EXPECT_EQ(downloaded, expected) << "call " << i;
  }
  CudaBackend::StepGraphCounts after = cuda_->step_graph_counts();
  EXPECT_EQ(after.captures, before.captures);
  EXPECT_EQ(after.launches, before.launches);
  EXPECT_EQ(after.why_off, "");

  Tensor wrong = cuda_->Allocate({16, 65});  // Linear's out must have the weight's 64 columns
  EXPECT_THROW(
      cuda_->RunRepeatedStep([&] { cuda_->Linear(x, weight, no_bias, LinearEpilogue::kStore, wrong); }),
      Error);
  for (int i = 0; i < 4; ++i) {
    cuda_->RunRepeatedStep([&] { cuda_->Linear(x, weight, no_bias, LinearEpilogue::kStore, out); });
    cuda_->Download(out, downloaded.data());
    EXPECT_EQ(downloaded, expected) << "graph step " << i;
  }
  after = cuda_->step_graph_counts();
  EXPECT_EQ(after.captures, before.captures + 1);  // recorded on the first, captured on the second
  EXPECT_EQ(after.launches, before.launches + 3);  // launched once captured, replayed twice
  EXPECT_EQ(after.why_off, "");
}

TEST_F(CudaBackendTest, NativeDecodingGivesTheCpusTokensGreedyAndWithBeams) {
  // The decoding loop (start sequence, timestamp rules, beams with their KV-cache reordering, fallback) runs
  // on the host over the backend's logits: on f32 weights both backends must choose the same tokens.
  const auto mel = RandomFloats(2 * 80 * 3000, 71, -1.0f, 1.5f);
  const auto cpu = Load(InMemoryWeightStore::RandomWhisper(TinyShapedDims(), 72), "cpu");
  const auto gpu = Load(InMemoryWeightStore::RandomWhisper(TinyShapedDims(), 72), "cuda");
  const auto cpu_audio = cpu->Encode(mel.data(), 2);
  const auto gpu_audio = gpu->Encode(mel.data(), 2);
  for (int beams : {0, 3}) {
    for (bool timestamps : {true, false}) {
      DecodeParams params;
      params.n_beams = beams;
      params.timestamps = timestamps;
      params.temperatures = {0.0f};
      params.n_max_new_tokens = 24;
      params.compression_ratio_threshold.reset();  // needs the tokenizer's bytes (SetTokenBytes)
      params.logprob_threshold.reset();
      params.no_speech_threshold.reset();
      params.windows = {DecodeWindow{}, DecodeWindow{}};
      params.windows[0].language_token = 50259;
      params.windows[1].language_token = 50259;
      const auto expected = cpu->Decode(*cpu_audio, params);
      const auto actual = gpu->Decode(*gpu_audio, params);
      ASSERT_EQ(actual.size(), expected.size());
      for (std::size_t w = 0; w < expected.size(); ++w) {
        EXPECT_EQ(actual[w].tokens, expected[w].tokens)
            << "beams " << beams << " timestamps " << timestamps << " window " << w;
      }
    }
  }
}

#endif  // VERBATIM_WITH_CUDA

}  // namespace
}  // namespace verbatim
