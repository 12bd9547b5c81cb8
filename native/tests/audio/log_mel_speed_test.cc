// Log-mel timings, not a test: disabled by default. Run a Release build with
//   verbatim_engine_tests --gtest_also_run_disabled_tests --gtest_filter='*LogMelSpeed*'
// Inputs are full 30 s windows of noise, so that no block is skipped as silence (the slowest case).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "audio/audio_test_support.h"
#include "audio/log_mel.h"
#include "audio/mel_block_kernel.h"

namespace verbatim {
namespace {

using test_support::SupportedMelBlockKernels;

constexpr int kRepetitions = 20;

std::vector<float> NoiseWindow(unsigned seed) {
  std::mt19937 generator(seed);
  std::uniform_real_distribution<float> uniform(-0.3f, 0.3f);
  std::vector<float> samples(kWindowSamples);
  for (float& sample : samples)
    sample = uniform(generator);
  return samples;
}

/** The fastest of kRepetitions runs of `run`, in milliseconds (after one warm-up run). */
template <typename Run>
double BestMilliseconds(const Run& run) {
  run();
  double best = 1e30;
  for (int i = 0; i < kRepetitions; i++) {
    const auto start = std::chrono::steady_clock::now();
    run();
    best = std::min(
        best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

TEST(DISABLED_LogMelSpeed, OneWindowAndABatch) {
  const std::vector<float> window = NoiseWindow(1);
  std::vector<float> out(128 * kWindowFrames);
  const double one_window_ms =
      BestMilliseconds([&] { ComputeLogMel(window.data(), window.size(), 80, out.data()); });
  std::printf("one 30 s window, 80 bins, 1 thread (%s): %.2f ms\n", SimdLevelName(BestMelBlockKernel().level),
              one_window_ms);

  const float* pointer = window.data();
  const std::size_t length = window.size();
  for (const MelBlockKernel* kernel : SupportedMelBlockKernels()) {
    for (int n_mels : {80, 128}) {
      const double ms = BestMilliseconds(
          [&] { ComputeLogMelBatchWithKernel(*kernel, &pointer, &length, 1, n_mels, out.data(), 1); });
      std::printf("  kernel %-6s %3d bins, 1 thread: %.2f ms\n", SimdLevelName(kernel->level), n_mels, ms);
    }
  }

  constexpr int kBatch = 16;
  std::vector<std::vector<float>> windows;
  std::vector<const float*> pointers;
  std::vector<std::size_t> lengths;
  for (int i = 0; i < kBatch; i++)
    windows.push_back(NoiseWindow(100 + i));
  for (const std::vector<float>& w : windows) {
    pointers.push_back(w.data());
    lengths.push_back(w.size());
  }
  std::vector<float> batch_out(static_cast<std::size_t>(kBatch) * 80 * kWindowFrames);
  for (int n_threads : {1, 2}) {
    const double ms = BestMilliseconds([&] {
      ComputeLogMelBatch(pointers.data(), lengths.data(), kBatch, 80, batch_out.data(), n_threads);
    });
    std::printf("batch of %d windows, 80 bins, %d thread(s): %.2f ms (%.2f ms per window)\n", kBatch,
                n_threads, ms, ms / kBatch);
  }
}

}  // namespace
}  // namespace verbatim
