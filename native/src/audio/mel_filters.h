// Whisper's mel filter banks, computed rather than read from a file: the recipe of
// librosa.filters.mel(sr=16000, n_fft=400, n_mels) that produced openai/whisper's mel_filters.npz (Slaney mel
// scale, Slaney area normalisation), reproducing its float32 values bit for bit.
#pragma once

#include <vector>

namespace verbatim {

/** A mel filter bank over the kFrequencyBins power bins of a 400-point frame. */
struct MelFilterBank {
  int n_mels = 0;
  /** [n_mels][kFrequencyBins] row-major: weights[m * kFrequencyBins + f] weighs power bin f in mel bin m. */
  std::vector<float> weights;
  /** Filter m is zero outside bins [first_bin[m], end_bin[m]): a triangle spans a few bins, so skip the
   * zeros. */
  std::vector<int> first_bin;
  std::vector<int> end_bin;
};

/**
 * Checks that `n_mels` is a bin count Whisper uses (80, or 128 for large-v3).
 * @throws Error kInvalidArg "[operation] n_mels must be 80 or 128: N" otherwise.
 */
void CheckMelBinCount(int n_mels, const char* operation);

/**
 * The bank for `n_mels` bins (80 or 128), computed on first use and cached for the life of the process.
 * Thread-safe (initialised once, immutable afterwards); the reference stays valid until exit.
 * @throws Error kInvalidArg "[WhisperMelFilters] n_mels must be 80 or 128: N" for any other count.
 */
const MelFilterBank& WhisperMelFilters(int n_mels);

}  // namespace verbatim
