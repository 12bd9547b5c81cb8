// Cutting one windowed frame out of a signal for the centred STFT: kFftSize samples from `first_sample`
// (which may lie before the signal's start or past its end), indices outside the signal reflected as
// numpy.pad(mode='reflect') does, each multiplied by the periodic Hann window.
#pragma once

#include <cstddef>
#include <cstdint>

namespace verbatim {

/**
 * A signal of `n_padded` samples of which the first `n_samples` are `samples` and the rest zeros (a short
 * clip padded to a 30-second window without copying it). n_samples <= n_padded.
 */
struct PaddedSignal {
  const float* samples = nullptr;
  std::size_t n_samples = 0;
  std::size_t n_padded = 0;
};

/**
 * The periodic Hann window, kFftSize values: hann[j] = 0.5 - 0.5 cos(2πj / kFftSize) (numpy.hanning(kFftSize
 * + 1) without its last value). Built on first use; thread-safe; valid until exit.
 */
const double* PeriodicHannWindow();

/**
 * frame[j * frame_stride] = hann[j] · signal[first_sample + j] for j < kFftSize, in float64. An index outside
 * [0, n_padded) is reflected about the end samples without repeating them, x[-1] = x[1] and x[n] = x[n-2]
 * (repeatedly when it lies far outside). Requires n_padded >= 1. Thread-safe.
 * Returns true when the frame is known to be all zeros, so that the caller may skip its transform: frames in
 * the zero padding, and edge frames that read only zeros. Frames wholly inside the given samples are not
 * inspected (false).
 */
bool FillWindowedFrame(const PaddedSignal& signal,
                       std::int64_t first_sample,
                       double* frame,
                       std::size_t frame_stride);

}  // namespace verbatim
