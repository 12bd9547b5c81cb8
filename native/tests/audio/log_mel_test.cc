// ComputeLogMel and friends against a naive float64 implementation of the same recipe (a direct DFT, written
// here independently of the engine's framing and FFT), plus edge cases, batching, threads and the SIMD
// kernels.
#include "audio/log_mel.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "audio/audio_constants.h"
#include "audio/audio_test_support.h"
#include "audio/mel_block_kernel.h"
#include "audio/mel_filters.h"
#include "verbatim/engine.h"

namespace verbatim {
namespace {

using test_support::SupportedMelBlockKernels;

/** Agreement with the float64 reference: float32 mel sums and logs stay far inside it. */
constexpr double kReferenceTolerance = 1e-5;
constexpr std::size_t kWindowValues80 = 80 * kWindowFrames;

/**
 * The recipe in float64, for one 30 s window: pad/trim, reflect-pad 200 each side, periodic Hann, direct DFT
 * of every frame (all-zero frames skipped: their spectrum is zero), filters · power, log10(max(·, 1e-10)),
 * floor at max - 8, (x + 4) / 4.
 */
std::vector<float> NaiveLogMel(const std::vector<float>& samples, int n_mels) {
  const double pi = std::acos(-1.0);
  const std::size_t n = kWindowSamples;
  const int half = kFftSize / 2;
  std::vector<double> window(n, 0.0);
  for (std::size_t i = 0; i < std::min(n, samples.size()); i++)
    window[i] = samples[i];
  // numpy.pad(mode='reflect'): x[half] … x[1] | x | x[n-2] … x[n-1-half].
  std::vector<double> padded(n + 2 * half);
  for (std::size_t i = 0; i < padded.size(); i++) {
    const long long index = static_cast<long long>(i) - half;
    const long long reflected = index < 0                            ? -index
                                : index >= static_cast<long long>(n) ? 2 * (n - 1) - index
                                                                     : index;
    padded[i] = window[reflected];
  }
  std::vector<double> cosines(kFftSize);
  std::vector<double> sines(kFftSize);
  std::vector<double> hann(kFftSize);
  for (int j = 0; j < kFftSize; j++) {
    cosines[j] = std::cos(2 * pi * j / kFftSize);
    sines[j] = std::sin(2 * pi * j / kFftSize);
    hann[j] = 0.5 - 0.5 * std::cos(2 * pi * j / kFftSize);
  }
  const MelFilterBank& bank = WhisperMelFilters(n_mels);
  std::vector<double> log_mel(static_cast<std::size_t>(n_mels) * kWindowFrames);
  std::vector<double> frame(kFftSize);
  std::vector<double> power(kFrequencyBins);
  for (std::size_t t = 0; t < kWindowFrames; t++) {
    bool silent = true;
    for (int j = 0; j < kFftSize; j++) {
      frame[j] = padded[t * kHopSamples + j] * hann[j];
      silent = silent && frame[j] == 0.0;
    }
    for (int k = 0; k < kFrequencyBins; k++) {
      double re = 0;
      double im = 0;
      if (!silent) {
        for (int j = 0; j < kFftSize; j++) {
          re += frame[j] * cosines[(k * j) % kFftSize];
          im -= frame[j] * sines[(k * j) % kFftSize];
        }
      }
      power[k] = re * re + im * im;
    }
    for (int m = 0; m < n_mels; m++) {
      double mel = 0;
      for (int k = 0; k < kFrequencyBins; k++)
        mel += bank.weights[m * kFrequencyBins + k] * power[k];
      log_mel[m * kWindowFrames + t] = std::log10(std::max(mel, 1e-10));
    }
  }
  const double floor = *std::max_element(log_mel.begin(), log_mel.end()) - 8.0;
  std::vector<float> out(log_mel.size());
  for (std::size_t i = 0; i < out.size(); i++)
    out[i] = static_cast<float>((std::max(log_mel[i], floor) + 4.0) / 4.0);
  return out;
}

std::vector<float> LogMel(const std::vector<float>& samples, int n_mels) {
  std::vector<float> out(static_cast<std::size_t>(n_mels) * kWindowFrames);
  ComputeLogMel(samples.data(), samples.size(), n_mels, out.data());
  return out;
}

double MaxAbsDifference(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double max = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); i++) {
    max = std::max(max, std::abs(static_cast<double>(a[i]) - b[i]));
  }
  return max;
}

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

/** Uniform noise in [-amplitude, amplitude], reproducible. */
std::vector<float> Noise(std::size_t n, float amplitude, unsigned seed) {
  std::mt19937 generator(seed);
  std::uniform_real_distribution<float> uniform(-amplitude, amplitude);
  std::vector<float> samples(n);
  for (float& sample : samples)
    sample = uniform(generator);
  return samples;
}

/** A sine of `frequency_hz` plus a quieter one of 3.7 times that frequency. */
std::vector<float> Tones(std::size_t n, double frequency_hz) {
  const double pi = std::acos(-1.0);
  std::vector<float> samples(n);
  for (std::size_t i = 0; i < n; i++) {
    const double time_s = static_cast<double>(i) / kSampleRateHz;
    samples[i] = static_cast<float>(0.5 * std::sin(2 * pi * frequency_hz * time_s) +
                                    0.05 * std::sin(2 * pi * 3.7 * frequency_hz * time_s));
  }
  return samples;
}

void ExpectMatchesReference(const std::vector<float>& samples, int n_mels) {
  EXPECT_LE(MaxAbsDifference(LogMel(samples, n_mels), NaiveLogMel(samples, n_mels)), kReferenceTolerance);
}

TEST(LogMel, MatchesNaiveDftOnNoise) {
  const std::vector<float> noise = Noise(3 * kSampleRateHz, 0.3f, 1);
  ExpectMatchesReference(noise, 80);
  ExpectMatchesReference(noise, 128);
}

TEST(LogMel, MatchesNaiveDftOnTones) {
  ExpectMatchesReference(Tones(kWindowSamples, 440.0), 80);
  ExpectMatchesReference(Tones(5 * kSampleRateHz, 1234.5), 128);
}

TEST(LogMel, EmptyInputIsSilence) {
  std::vector<float> out(kWindowValues80, 0.0f);
  ComputeLogMel(nullptr, 0, 80, out.data());
  // log10(1e-10) = -10, the max and its own floor: (-10 + 4) / 4.
  for (float value : out)
    ASSERT_EQ(value, -1.5f);
}

TEST(LogMel, SilenceIsMinusOnePointFiveForEveryKernel) {
  const std::vector<float> silence(kWindowSamples, 0.0f);
  const float* pointer = silence.data();
  const std::size_t length = silence.size();
  for (const MelBlockKernel* kernel : SupportedMelBlockKernels()) {
    SCOPED_TRACE(SimdLevelName(kernel->level));
    std::vector<float> out(128 * kWindowFrames, 0.0f);
    ComputeLogMelBatchWithKernel(*kernel, &pointer, &length, 1, 128, out.data(), 1);
    for (float value : out)
      ASSERT_EQ(value, -1.5f);
  }
}

TEST(LogMel, ShortInputsMatchNaiveDft) {
  ExpectMatchesReference({0.5f}, 80);
  ExpectMatchesReference(Noise(100, 0.5f, 2), 80);
  ExpectMatchesReference(Noise(100, 0.5f, 2), 128);
}

TEST(LogMel, FullWindowMatchesNaiveDft) {
  ExpectMatchesReference(Noise(kWindowSamples, 0.2f, 3), 80);
}

TEST(LogMel, LongInputIsTrimmedToOneWindow) {
  const std::vector<float> long_input = Noise(600000, 0.2f, 4);
  const std::vector<float> first_window(long_input.begin(), long_input.begin() + kWindowSamples);
  EXPECT_TRUE(SameBits(LogMel(long_input, 80), LogMel(first_window, 80)));
}

TEST(LogMel, ClippingLevelInputMatchesNaiveDft) {
  // Full-scale square wave (every sample ±1) and full-scale noise: the largest powers the input range allows.
  std::vector<float> square(kWindowSamples);
  for (std::size_t i = 0; i < square.size(); i++)
    square[i] = (i / 20) % 2 == 0 ? 1.0f : -1.0f;
  ExpectMatchesReference(square, 80);
  ExpectMatchesReference(Noise(2 * kSampleRateHz, 1.0f, 5), 128);
}

/** Windows of assorted lengths (empty, shorter than a frame, partial, exact, trimmed) and the batch
 * arguments. */
struct AssortedWindows {
  std::vector<std::vector<float>> windows = {
      {}, Noise(100, 0.5f, 6), Tones(50000, 300.0), Noise(kWindowSamples, 0.1f, 7), Noise(600000, 0.4f, 8)};
  std::vector<const float*> pointers;
  std::vector<std::size_t> lengths;
  int n_batch = static_cast<int>(windows.size());

  AssortedWindows() {
    for (const std::vector<float>& window : windows) {
      pointers.push_back(window.data());
      lengths.push_back(window.size());
    }
  }

  std::vector<float> Compute(const MelBlockKernel& kernel, int n_mels, int n_threads) const {
    std::vector<float> out(static_cast<std::size_t>(n_batch) * n_mels * kWindowFrames);
    ComputeLogMelBatchWithKernel(kernel, pointers.data(), lengths.data(), n_batch, n_mels, out.data(),
                                 n_threads);
    return out;
  }
};

TEST(LogMel, BatchEqualsOneByOneForAnyThreadCount) {
  const AssortedWindows batch;
  for (int n_mels : {80, 128}) {
    std::vector<float> expected;
    for (const std::vector<float>& window : batch.windows) {
      const std::vector<float> one = LogMel(window, n_mels);
      expected.insert(expected.end(), one.begin(), one.end());
    }
    // Up to 5 threads: a window per task; 8: each window's frames split between threads.
    for (int n_threads : {1, 2, 3, 0, 8}) {
      SCOPED_TRACE("n_mels " + std::to_string(n_mels) + ", n_threads " + std::to_string(n_threads));
      std::vector<float> out(expected.size());
      ComputeLogMelBatch(batch.pointers.data(), batch.lengths.data(), batch.n_batch, n_mels, out.data(),
                         n_threads);
      EXPECT_TRUE(SameBits(out, expected));
    }
  }
}

TEST(LogMel, SimdKernelsMatchScalar) {
  std::vector<const MelBlockKernel*> simd_kernels = SupportedMelBlockKernels();
  simd_kernels.erase(simd_kernels.begin());  // the scalar one
  if (simd_kernels.empty()) {
    GTEST_SKIP() << "this CPU has neither AVX2 nor AVX-512";
  }
  const AssortedWindows batch;
  for (int n_mels : {80, 128}) {
    const std::vector<float> scalar = batch.Compute(MelBlockKernelFor(SimdLevel::kScalar), n_mels, 2);
    for (const MelBlockKernel* kernel : simd_kernels) {
      SCOPED_TRACE(std::string(SimdLevelName(kernel->level)) + ", n_mels " + std::to_string(n_mels));
      // Only rounding differs (fused multiply-adds, the order of the float32 sums): a few float32 steps.
      EXPECT_LE(MaxAbsDifference(batch.Compute(*kernel, n_mels, 2), scalar), 1e-6);
    }
  }
}

TEST(LogMel, UsesTheCpuBackendsSimdLevel) {
  EXPECT_EQ(BestMelBlockKernel().level, BestSimdKernels().level);
}

TEST(LogMelFrames, CountsWholeHops) {
  EXPECT_EQ(LogMelFrameCount(0), 0u);
  EXPECT_EQ(LogMelFrameCount(159), 0u);
  EXPECT_EQ(LogMelFrameCount(160), 1u);
  EXPECT_EQ(LogMelFrameCount(kWindowSamples), kWindowFrames);
}

TEST(LogMelFrames, OfAFullWindowEqualComputeLogMel) {
  const std::vector<float> samples = Tones(kWindowSamples, 523.25);
  std::vector<float> frames(kWindowValues80);
  ComputeLogMelFrames(samples.data(), samples.size(), 80, frames.data(), 2);
  EXPECT_TRUE(SameBits(frames, LogMel(samples, 80)));
}

TEST(LogMelFrames, WritesNothingForFewerThanOneHop) {
  std::vector<float> out(4, 7.0f);
  const std::vector<float> samples(159, 0.25f);
  ComputeLogMelFrames(samples.data(), samples.size(), 80, out.data(), 1);
  ComputeLogMelFrames(nullptr, 0, 128, nullptr, 1);
  EXPECT_EQ(out, std::vector<float>(4, 7.0f));
}

/** Runs `call`, expecting an Error kInvalidArg whose message is `message`. */
template <typename Call>
void ExpectInvalidArg(const Call& call, const std::string& message) {
  try {
    call();
    ADD_FAILURE() << "no error; expected: " << message;
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kInvalidArg);
    EXPECT_EQ(error.what(), message);
  }
}

TEST(LogMel, RejectsBadArgumentsNamingTheValue) {
  std::vector<float> out(128 * kWindowFrames);
  const float sample = 0.0f;
  const float* pointer = &sample;
  const std::size_t length = 1;
  ExpectInvalidArg([&] { ComputeLogMel(&sample, 1, 81, out.data()); },
                   "[ComputeLogMel] n_mels must be 80 or 128: 81");
  ExpectInvalidArg([&] { ComputeLogMel(nullptr, 5, 80, out.data()); },
                   "[ComputeLogMel] samples[0] is null but n_samples[0] is 5");
  ExpectInvalidArg([&] { ComputeLogMel(&sample, 1, 80, nullptr); }, "[ComputeLogMel] out must not be null");
  ExpectInvalidArg([&] { ComputeLogMelBatch(&pointer, &length, 1, 64, out.data(), 1); },
                   "[ComputeLogMelBatch] n_mels must be 80 or 128: 64");
  ExpectInvalidArg([&] { ComputeLogMelBatch(&pointer, &length, -1, 80, out.data(), 1); },
                   "[ComputeLogMelBatch] n_batch must be >= 0: -1");
  ExpectInvalidArg([&] { ComputeLogMelBatch(&pointer, &length, 1, 80, out.data(), -2); },
                   "[ComputeLogMelBatch] n_threads must be >= 0: -2");
  ExpectInvalidArg([&] { ComputeLogMelFrames(&sample, 1, 100, out.data(), 1); },
                   "[ComputeLogMelFrames] n_mels must be 80 or 128: 100");
}

}  // namespace
}  // namespace verbatim
