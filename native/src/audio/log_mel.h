// Whisper's log-mel spectrogram: the recipe of Hugging Face transformers' WhisperFeatureExtractor (numpy
// path), the same as packages/audio's TypeScript reference (src/mel/log-mel.ts) to within 1e-4:
//   - centred STFT: reflect padding of kFftSize / 2 samples each side, periodic 400-point Hann window, hop
//   160,
//     the last frame dropped;
//   - power |X|² over 201 bins; mel = filters · power (WhisperMelFilters); log10(max(mel, 1e-10));
//   - values below (max - 8), max over the whole spectrogram, raised to it; then (x + 4) / 4.
// FFTs and power spectra are float64; mel sums, logs and the result are float32. Output is [n_mels][n_frames]
// row-major (mel-major: the layout Whisper's first convolution reads).
//
// Samples are 16 kHz mono float32, nominally in [-1, 1]. Every function is thread-safe and reentrant: the
// only shared state is the immutable filter banks, FFT twiddles and window, built once on first use. The SIMD
// kernel is the CPU backend's level (BestSimdKernels), so every function may also throw its Error kBackend
// for a bad VERBATIM_SIMD.
#pragma once

#include <cstddef>

#include "audio/audio_constants.h"

namespace verbatim {

struct MelBlockKernel;

/**
 * The log-mel of one 30-second window, as Whisper's encoder takes it: `samples` are zero-padded at the end or
 * trimmed to kWindowSamples (480000), giving kWindowFrames (3000) frames. Single-threaded.
 * @param samples n_samples values; may be null when n_samples is 0.
 * @param n_mels 80, or 128 (large-v3).
 * @param out n_mels * 3000 floats, [n_mels][3000].
 * @throws Error kInvalidArg "[ComputeLogMel] n_mels must be 80 or 128: N", or naming a null pointer.
 */
void ComputeLogMel(const float* samples, std::size_t n_samples, int n_mels, float* out);

/**
 * ComputeLogMel for n_batch windows at once, each with its own max - 8 floor, on up to n_threads threads (the
 * caller's and the rest started and joined within the call): whole windows per thread when there are at least
 * as many windows as threads, otherwise each window's frames split between threads. Results are bit-identical
 * to ComputeLogMel on each window, whatever n_threads.
 * @param samples n_batch pointers; samples[i] may be null when n_samples[i] is 0.
 * @param n_samples n_batch sample counts (each window padded or trimmed to 480000).
 * @param out n_batch * n_mels * 3000 floats, [n_batch][n_mels][3000].
 * @param n_threads >= 1, or 0 for one per hardware thread this process may run on.
 * @throws Error kInvalidArg "[ComputeLogMelBatch] …" naming the bad value: n_mels not 80 or 128, n_batch or
 *   n_threads negative, a null pointer.
 */
void ComputeLogMelBatch(const float* const* samples,
                        const std::size_t* n_samples,
                        int n_batch,
                        int n_mels,
                        float* out,
                        int n_threads);

/** Frames in the log-mel of an unpadded signal (ComputeLogMelFrames): n_samples / 160, rounded down. */
std::size_t LogMelFrameCount(std::size_t n_samples);

/**
 * The log-mel of a whole signal with no padding or trimming (openai-whisper's transcribe() style: the caller
 * appends the silence it wants): LogMelFrameCount(n_samples) frames — the centred STFT's frames less the last
 * — with the (max - 8) floor taken over all of them. Writes nothing when that count is 0.
 * @param out n_mels * LogMelFrameCount(n_samples) floats, [n_mels][n_frames].
 * @param n_threads >= 1, or 0 for one per hardware thread this process may run on; the frames are split
 *   between them.
 * @throws Error kInvalidArg "[ComputeLogMelFrames] …" as ComputeLogMelBatch.
 */
void ComputeLogMelFrames(const float* samples, std::size_t n_samples, int n_mels, float* out, int n_threads);

/**
 * ComputeLogMelBatch with a given block kernel instead of this CPU's best (tests compare the SIMD kernels
 * with the scalar one). The kernel must be one this CPU runs (mel_block_kernel.h).
 */
void ComputeLogMelBatchWithKernel(const MelBlockKernel& kernel,
                                  const float* const* samples,
                                  const std::size_t* n_samples,
                                  int n_batch,
                                  int n_mels,
                                  float* out,
                                  int n_threads);

}  // namespace verbatim
