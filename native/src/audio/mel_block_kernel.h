// The hot part of the log-mel, per block of frames and per instruction set: the 400-point FFTs, the power
// spectra, the mel projection and log10. Everything around it (framing, threads, the dynamic-range floor) is
// shared code in log_mel.cc.
//
// A block holds 2·L windowed frames in float64, L = the kernel's float64 SIMD lanes (1 scalar, 4 AVX2, 8
// AVX-512). Lane i of the real input is frame i and lane i of the imaginary input is frame L + i: one complex
// FFT transforms two real frames, and each SIMD lane runs its own transform, so the odd-sized 400-point FFT
// vectorises without shuffles. The power of frame t then sits in lane t of a 2·L-wide float32 vector —
// exactly a run of 2·L consecutive output columns of one mel row, which the projection writes whole.
//
// The *_avx2.cc / *_avx512.cc files are compiled with those instruction sets, so they must not instantiate
// code that other files share (std:: containers and algorithms, inline helpers): the linker keeps one copy of
// such code and might keep theirs. Hence the plain-pointer structs below.
#pragma once

#include <cstddef>

#include "audio/audio_constants.h"
#include "audio/fft_plan.h"
#include "backend/cpu/simd_kernels.h"

namespace verbatim {

/** Read-only inputs of a block kernel: the window, the FFT plan and the mel filter bank, as plain pointers.
 */
struct MelBlockTables {
  /** kFftSize values (PeriodicHannWindow). */
  const double* hann_window = nullptr;
  const FftStage* fft_stages = nullptr;
  int n_fft_stages = 0;
  int n_mels = 0;
  /** [n_mels][kFrequencyBins] weights and each filter's non-zero bins [first_bin, end_bin). */
  const float* mel_weights = nullptr;
  const int* mel_first_bin = nullptr;
  const int* mel_end_bin = nullptr;
};

/**
 * One worker's buffers for one block, owned by the caller (kernel.workspace_doubles() and workspace_floats()
 * long). frames_re / frames_im: [kFftSize][L] float64 each, frame-lane interleaved; the caller writes the
 * windowed frames there and the kernel overwrites them with their spectra.
 */
struct MelBlockWorkspace {
  double* frames_re = nullptr;
  double* frames_im = nullptr;
  double* scratch_re = nullptr;
  double* scratch_im = nullptr;
  /** [kFrequencyBins][2·L] float32 power spectra. */
  float* power = nullptr;
};

struct MelBlockKernel {
  /** The instruction set the kernel is built for (SimdLevelName gives "scalar", "avx2" or "avx512"). */
  SimdLevel level;
  /** Float64 SIMD lanes L; a block holds 2·L frames. */
  int lanes;

  /**
   * Fills the block's 2·L frames in `workspace` when every one lies inside the signal: frame i is
   * hann · first_frame_samples[i · kHopSamples + j], j < kFftSize (edge frames go through FillWindowedFrame
   * instead). Loads runs of samples and transposes them in registers: cheaper than storing every value to a
   * strided address, and than gathers (slow on CPUs with the gather-data-sampling mitigation).
   */
  void (*fill_interior_block)(const MelBlockTables& tables,
                              const float* first_frame_samples,
                              const MelBlockWorkspace& workspace);

  /**
   * Computes log10(max(mel, 1e-10)) of the block's frames and writes the first `n_valid_frames` (<= 2·L) of
   * them to out[m * out_row_stride + i], m < n_mels, i < n_valid_frames. Frames past n_valid_frames must have
   * been filled with zeros; they are transformed but not written. Returns the largest value written (or -10,
   * the value of an all-zero frame, if that is larger). Reentrant: uses only `workspace`.
   */
  float (*compute_block)(const MelBlockTables& tables,
                         const MelBlockWorkspace& workspace,
                         float* out,
                         std::size_t out_row_stride,
                         int n_valid_frames);

  int frames_per_block() const { return 2 * lanes; }
  /** Float64 values in each of the four float64 workspace buffers. */
  std::size_t workspace_doubles() const { return static_cast<std::size_t>(kFftSize) * lanes; }
  std::size_t workspace_floats() const { return static_cast<std::size_t>(kFrequencyBins) * 2 * lanes; }
};

/**
 * The kernel of one instruction-set level.
 * @throws Error kBackend when this CPU cannot run it (CpuSupports).
 */
const MelBlockKernel& MelBlockKernelFor(SimdLevel level);

/**
 * The kernel of the level the CPU backend runs (BestSimdKernels: the best this CPU supports, or the one
 * VERBATIM_SIMD names), decided once per process. Thread-safe.
 * @throws Error kBackend when VERBATIM_SIMD names an unknown or unsupported level.
 */
const MelBlockKernel& BestMelBlockKernel();

// The per-level kernels, defined in their own files; use them only through the functions above.
const MelBlockKernel& ScalarMelBlockKernel();
const MelBlockKernel& Avx2MelBlockKernel();
const MelBlockKernel& Avx512MelBlockKernel();

}  // namespace verbatim
