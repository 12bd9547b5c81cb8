// Whisper's log-mel on the GPU (Backend::LogMel): the recipe of audio/log_mel.h, computed where the encoder
// runs, so that a window's samples go up once and its log-mel never comes down. Plain C++ signatures, as in
// cuda_kernels.h: only log_mel_kernels.cu needs nvcc; launchers enqueue on `stream` and return at once.
//
// A direct 400-point DFT in float64 per frame, from a table of twiddles: simpler than a mixed-radix FFT, and
// ~31 G float64 multiply-adds for 64 windows, a few ms of an H100's or H200's float64 units (estimated, not
// yet measured). The windowed samples, the power spectra, the float32 mel sums, the log and the floor follow
// the host's code step by step. This arithmetic emulated on the host agreed with ComputeLogMelBatch to
// 2.4e-7 (speech, silence, a clipped square wave, one sample, a quiet tone); with float32 DFT sums instead,
// to 1.4e-5 — inside the 1e-4 the tests allow, but with 60 times less margin, so float64 stays while the
// GPUs that run this have fast float64 (on sm_86 / sm_89 float64 is 1/64 rate: correct, slower).
#pragma once

#include <cstdint>

#include "audio/audio_constants.h"
#include "backend/cuda/cuda_kernels.h"

namespace verbatim::cuda_kernels {

/** The most mel bins of any Whisper model (large-v3). */
constexpr int kMostMelBins = 128;

/**
 * LogMel's constant inputs for one bin count, one plain struct (~113 KB) that the backend fills on the host
 * and copies to the device as it is.
 */
struct LogMelTables {
  /** The periodic Hann window, PeriodicHannWindow()'s values. */
  double hann_window[kFftSize];
  /** cos and sin of 2π m / kFftSize for m < kFftSize: the DFT's twiddle e^(-2πi jk / N) is at (j · k) mod N.
   */
  double twiddle_cos[kFftSize];
  double twiddle_sin[kFftSize];
  int32_t n_mels;
  /** WhisperMelFilters(n_mels): [n_mels][kFrequencyBins] weights and each filter's non-zero bins. */
  float mel_weights[kMostMelBins * kFrequencyBins];
  int32_t mel_first_bin[kMostMelBins];
  int32_t mel_end_bin[kMostMelBins];
};

/**
 * Fills `tables` for `n_mels` bins on the host.
 * @throws Error kInvalidArg "[operation] n_mels must be 80 or 128: N".
 */
void FillLogMelTables(int n_mels, const char* operation, LogMelTables* tables);

/**
 * out[b, m, t] = Whisper's log-mel of window b, for samples [n_batch, kWindowSamples] (each window
 * zero-padded or trimmed already) and out [n_batch, n_mels, kWindowFrames]: reflect padding of kFftSize / 2
 * samples each side, Hann window, power over kFrequencyBins bins, mel filters, log10(max(mel, 1e-10)), then
 * each window's values raised to its max - 8 and mapped by (x + 4) / 4. `tables` is device memory
 * (FillLogMelTables' contents). Two kernels: the frames' log-mel, then each window's floor and scale.
 */
void LogMel(
    const LogMelTables* tables, int n_mels, const float* samples, int64_t n_batch, float* out, Stream stream);

}  // namespace verbatim::cuda_kernels
