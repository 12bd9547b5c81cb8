#include "audio/mel_filters.h"

#include <algorithm>
#include <cmath>
#include <mutex>

#include "audio/audio_constants.h"
#include "core/fail.h"

namespace verbatim {
namespace {

// librosa's Slaney mel scale: linear below 1 kHz (200/3 Hz per mel), logarithmic above (a factor 6.4 per 27
// mels).
constexpr double kLinearHzPerMel = 200.0 / 3.0;
constexpr double kLogScaleStartHz = 1000.0;
constexpr double kLogScaleStartMel = kLogScaleStartHz / kLinearHzPerMel;  // 15 mels
const double kLogScaleStepPerMel = std::log(6.4) / 27.0;

double HzToMel(double hz) {
  if (hz >= kLogScaleStartHz) {
    return kLogScaleStartMel + std::log(hz / kLogScaleStartHz) / kLogScaleStepPerMel;
  }
  return hz / kLinearHzPerMel;
}

double MelToHz(double mel) {
  if (mel >= kLogScaleStartMel) {
    return kLogScaleStartHz * std::exp(kLogScaleStepPerMel * (mel - kLogScaleStartMel));
  }
  return kLinearHzPerMel * mel;
}

MelFilterBank ComputeMelFilters(int n_mels) {
  // n_mels + 2 band edges evenly spaced in mels from 0 Hz to Nyquist, computed as numpy.linspace does (i *
  // step, the last one exactly the stop value) so that every float32 weight rounds as in the npz.
  const int n_edges = n_mels + 2;
  const double max_mel = HzToMel(kSampleRateHz / 2.0);
  const double mel_step = max_mel / (n_edges - 1);
  std::vector<double> edge_hz(n_edges);
  for (int i = 0; i < n_edges; i++) {
    edge_hz[i] = MelToHz(i == n_edges - 1 ? max_mel : i * mel_step);
  }

  constexpr double kBinSpacingHz = static_cast<double>(kSampleRateHz) / kFftSize;  // 40 Hz, exact
  MelFilterBank bank;
  bank.n_mels = n_mels;
  bank.weights.assign(static_cast<std::size_t>(n_mels) * kFrequencyBins, 0.0f);
  bank.first_bin.assign(n_mels, 0);
  bank.end_bin.assign(n_mels, 0);
  for (int m = 0; m < n_mels; m++) {
    const double lower_width_hz = edge_hz[m + 1] - edge_hz[m];
    const double upper_width_hz = edge_hz[m + 2] - edge_hz[m + 1];
    // Slaney normalisation: every triangle has unit area in Hz.
    const double area_norm = 2.0 / (edge_hz[m + 2] - edge_hz[m]);
    float* row = &bank.weights[static_cast<std::size_t>(m) * kFrequencyBins];
    for (int f = 0; f < kFrequencyBins; f++) {
      const double bin_hz = f * kBinSpacingHz;
      const double rising = (bin_hz - edge_hz[m]) / lower_width_hz;
      const double falling = (edge_hz[m + 2] - bin_hz) / upper_width_hz;
      // librosa stores the triangle in a float32 array and normalises that array in float64: round twice, as
      // it does (rounding once differs from the npz by one float32 step in about a hundred weights).
      const float triangle = static_cast<float>(std::max(0.0, std::min(rising, falling)));
      row[f] = static_cast<float>(triangle * area_norm);
    }
    const float* const row_begin = row;
    const float* const row_end = row + kFrequencyBins;
    const float* first = std::find_if(row_begin, row_end, [](float weight) { return weight != 0.0f; });
    const float* end = row_end;
    while (end > first && end[-1] == 0.0f)
      end--;
    bank.first_bin[m] = static_cast<int>(first == row_end ? 0 : first - row_begin);
    bank.end_bin[m] = static_cast<int>(end - row_begin);
  }
  return bank;
}

}  // namespace

void CheckMelBinCount(int n_mels, const char* operation) {
  if (n_mels != 80 && n_mels != 128) {
    Fail(ErrorCode::kInvalidArg, operation, "n_mels must be 80 or 128: ", n_mels);
  }
}

const MelFilterBank& WhisperMelFilters(int n_mels) {
  CheckMelBinCount(n_mels, "WhisperMelFilters");
  // Function-local statics: initialised once, thread-safely, on first use.
  if (n_mels == 80) {
    static const MelFilterBank bank80 = ComputeMelFilters(80);
    return bank80;
  }
  static const MelFilterBank bank128 = ComputeMelFilters(128);
  return bank128;
}

}  // namespace verbatim
