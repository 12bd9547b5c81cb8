#include "audio/stft_frame.h"

#include <array>
#include <cmath>

#include "audio/audio_constants.h"

namespace verbatim {
namespace {

std::size_t ReflectIndex(std::int64_t index, std::size_t length) {
  if (length == 1)
    return 0;
  const std::int64_t period = 2 * (static_cast<std::int64_t>(length) - 1);
  const std::int64_t folded = ((index % period) + period) % period;
  return static_cast<std::size_t>(folded < static_cast<std::int64_t>(length) ? folded : period - folded);
}

}  // namespace

const double* PeriodicHannWindow() {
  static const std::array<double, kFftSize> window = [] {
    const double pi = std::acos(-1.0);
    std::array<double, kFftSize> values;
    for (int j = 0; j < kFftSize; j++)
      values[j] = 0.5 - 0.5 * std::cos(2.0 * pi * j / kFftSize);
    return values;
  }();
  return window.data();
}

bool FillWindowedFrame(const PaddedSignal& signal,
                       std::int64_t first_sample,
                       double* frame,
                       std::size_t frame_stride) {
  const double* hann = PeriodicHannWindow();
  const auto n_samples = static_cast<std::int64_t>(signal.n_samples);
  const auto n_padded = static_cast<std::int64_t>(signal.n_padded);
  const std::int64_t end_sample = first_sample + kFftSize;
  if (first_sample >= 0 && end_sample <= n_samples) {
    const float* samples = signal.samples + first_sample;
    for (int j = 0; j < kFftSize; j++)
      frame[j * frame_stride] = hann[j] * samples[j];
    return false;
  }
  if (first_sample >= n_samples && end_sample <= n_padded) {
    for (int j = 0; j < kFftSize; j++)
      frame[j * frame_stride] = 0.0;
    return true;
  }
  bool all_zero = true;
  for (int j = 0; j < kFftSize; j++) {
    const std::size_t index = ReflectIndex(first_sample + j, signal.n_padded);
    const double sample = index < signal.n_samples ? signal.samples[index] : 0.0;
    all_zero = all_zero && sample == 0.0;
    frame[j * frame_stride] = hann[j] * sample;
  }
  return all_zero;
}

}  // namespace verbatim
