// The plan of the 400-point complex FFT inside the log-mel: a Stockham autosort transform (no bit reversal,
// one scratch buffer) of radices 4, 4, 5, 5, with its twiddle factors in float64.
#pragma once

#include <vector>

namespace verbatim {

/**
 * One pass of a Stockham decimation-in-frequency FFT. With m = sub_length and s = stride, for each p < m and
 * each interleaved sequence q < s the inputs a_j = x[q + s (p + j m)], j < radix, give y[q + s (radix p + k)]
 * = w^(p k) · sum_j a_j e^(-2πi j k / radix), w = e^(-2πi / (radix m)). Plain pointers only: the SIMD
 * translation units read this without instantiating any std:: code (see mel_block_kernel.h).
 */
struct FftStage {
  int radix = 0;
  int sub_length = 0;
  int stride = 0;
  /** w^(p k) at [p * radix + k], p < sub_length, k < radix. */
  const double* twiddle_re = nullptr;
  const double* twiddle_im = nullptr;
};

struct FftPlan {
  FftPlan() = default;
  // Moving keeps the twiddle storage (and so the stages' pointers) in place; a copy would not, so none is
  // allowed.
  FftPlan(FftPlan&&) = default;
  FftPlan& operator=(FftPlan&&) = default;
  FftPlan(const FftPlan&) = delete;
  FftPlan& operator=(const FftPlan&) = delete;

  std::vector<FftStage> stages;
  /** Storage the stages' twiddle pointers point into. */
  std::vector<double> twiddle_storage;
};

/**
 * The plan for kFftSize (400 = 4 · 4 · 5 · 5) points, built on first use and cached for the life of the
 * process. Thread-safe; immutable.
 */
const FftPlan& FramePlan();

}  // namespace verbatim
