// The block kernel's body (see mel_block_kernel.h), written once over an instruction-set description `Isa`
// and compiled by mel_block_kernel_scalar.cc, _avx2.cc and _avx512.cc, each with its own Isa. Include it only
// from those files. Every function here is a template over Isa and each file's Isa lives in an unnamed
// namespace, so every instantiation is private to the file that made it (never merged with a copy built for
// another instruction set).
//
// Isa provides (loads and stores need no alignment):
//   Doubles, kDoubleLanes: a float64 vector of L lanes with + - * operators.
//   Floats, kFloatLanes: a float32 vector with + - * / operators; 2·L is a multiple of kFloatLanes.
//   BroadcastDoubles(double), LoadDoubles(const double*), StoreDoubles(double*, Doubles).
//   StoreAsFloats(float*, Doubles): the L values rounded to float32.
//   LoadHopsTransposed(const float* samples, Doubles* columns): columns[k] lane i is
//     samples[i · kHopSamples + k], k, i < L, widened to float64 (L consecutive samples of L frames, one
//     vector per sample position).
//   BroadcastFloats(float), LoadFloats(const float*), StoreFloats(float*, Floats), MaxFloats(Floats, Floats).
//   ReduceMax(Floats): the largest lane.
//   SplitMantissa(Floats x, Floats* mantissa, Floats* exponent): x = mantissa · 2^exponent with mantissa in
//     [√½, √2], for positive normal x.
#pragma once

#include <cstddef>

#include "audio/audio_constants.h"
#include "audio/mel_block_kernel.h"

namespace verbatim {
namespace mel_block_kernel_impl {

// Every element of a transform is a vector of L lanes, one per frame pair: element e of a buffer starts at
// buffer + e · L.

template <typename Isa>
struct Complex {
  typename Isa::Doubles re;
  typename Isa::Doubles im;
};

template <typename Isa>
Complex<Isa> LoadComplex(const double* re, const double* im, std::size_t at) {
  return {Isa::LoadDoubles(re + at), Isa::LoadDoubles(im + at)};
}

template <typename Isa>
void StoreComplex(double* re, double* im, std::size_t at, const Complex<Isa>& value) {
  Isa::StoreDoubles(re + at, value.re);
  Isa::StoreDoubles(im + at, value.im);
}

template <typename Isa>
Complex<Isa> Multiply(const Complex<Isa>& a, const Complex<Isa>& b) {
  return {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re};
}

/** The twiddle w^(p k) of `stage`, the same in every lane. */
template <typename Isa>
Complex<Isa> Twiddle(const FftStage& stage, int p, int k) {
  const int at = p * stage.radix + k;
  return {Isa::BroadcastDoubles(stage.twiddle_re[at]), Isa::BroadcastDoubles(stage.twiddle_im[at])};
}

/** X_k = sum_j a_j e^(-2πi j k / 4): X0 = s02 + s13, X1 = d02 - i d13, X2 = s02 - s13, X3 = d02 + i d13. */
template <typename Isa>
struct Radix4Butterfly {
  static constexpr int kRadix = 4;

  void operator()(const Complex<Isa>* a, Complex<Isa>* x) const {
    const Complex<Isa> sum02 = {a[0].re + a[2].re, a[0].im + a[2].im};
    const Complex<Isa> diff02 = {a[0].re - a[2].re, a[0].im - a[2].im};
    const Complex<Isa> sum13 = {a[1].re + a[3].re, a[1].im + a[3].im};
    const Complex<Isa> diff13 = {a[1].re - a[3].re, a[1].im - a[3].im};
    x[0] = {sum02.re + sum13.re, sum02.im + sum13.im};
    x[1] = {diff02.re + diff13.im, diff02.im - diff13.re};
    x[2] = {sum02.re - sum13.re, sum02.im - sum13.im};
    x[3] = {diff02.re - diff13.im, diff02.im + diff13.re};
  }
};

/**
 * X_k = sum_j a_j e^(-2πi j k / 5). With t1 = a1 + a4, t2 = a2 + a3, t3 = a1 - a4, t4 = a2 - a3 and c/s the
 * cosines/sines of 2π/5 and 4π/5: X1, X4 = a0 + c1 t1 + c2 t2 ∓ i (s1 t3 + s2 t4) and
 * X2, X3 = a0 + c2 t1 + c1 t2 ∓ i (s2 t3 - s1 t4).
 */
template <typename Isa>
struct Radix5Butterfly {
  static constexpr int kRadix = 5;
  // (√5 - 1) / 4, -(√5 + 1) / 4 and the matching sines.
  const typename Isa::Doubles cos1 = Isa::BroadcastDoubles(0.30901699437494742410);
  const typename Isa::Doubles cos2 = Isa::BroadcastDoubles(-0.80901699437494742410);
  const typename Isa::Doubles sin1 = Isa::BroadcastDoubles(0.95105651629515357212);
  const typename Isa::Doubles sin2 = Isa::BroadcastDoubles(0.58778525229247312917);

  void operator()(const Complex<Isa>* a, Complex<Isa>* x) const {
    const Complex<Isa> t1 = {a[1].re + a[4].re, a[1].im + a[4].im};
    const Complex<Isa> t2 = {a[2].re + a[3].re, a[2].im + a[3].im};
    const Complex<Isa> t3 = {a[1].re - a[4].re, a[1].im - a[4].im};
    const Complex<Isa> t4 = {a[2].re - a[3].re, a[2].im - a[3].im};
    const Complex<Isa> b1 = {a[0].re + cos1 * t1.re + cos2 * t2.re, a[0].im + cos1 * t1.im + cos2 * t2.im};
    const Complex<Isa> b2 = {a[0].re + cos2 * t1.re + cos1 * t2.re, a[0].im + cos2 * t1.im + cos1 * t2.im};
    const Complex<Isa> v1 = {sin1 * t3.re + sin2 * t4.re, sin1 * t3.im + sin2 * t4.im};
    const Complex<Isa> v2 = {sin2 * t3.re - sin1 * t4.re, sin2 * t3.im - sin1 * t4.im};
    x[0] = {a[0].re + t1.re + t2.re, a[0].im + t1.im + t2.im};
    x[1] = {b1.re + v1.im, b1.im - v1.re};
    x[2] = {b2.re + v2.im, b2.im - v2.re};
    x[3] = {b2.re - v2.im, b2.im + v2.re};
    x[4] = {b1.re - v1.im, b1.im + v1.re};
  }
};

/** One Stockham pass (see FftStage) made of `butterfly`s: inputs loaded, transformed, twiddled, stored. */
template <typename Isa, typename Butterfly>
void RadixPass(const FftStage& stage,
               const Butterfly& butterfly,
               const double* x_re,
               const double* x_im,
               double* y_re,
               double* y_im) {
  constexpr int kRadix = Butterfly::kRadix;
  constexpr std::size_t kLanes = Isa::kDoubleLanes;
  const std::size_t input_span = static_cast<std::size_t>(stage.stride) * stage.sub_length * kLanes;
  const std::size_t output_span = static_cast<std::size_t>(stage.stride) * kLanes;
  for (int p = 0; p < stage.sub_length; p++) {
    Complex<Isa> twiddles[kRadix];
#pragma GCC unroll 8
    for (int k = 1; k < kRadix; k++)
      twiddles[k] = Twiddle<Isa>(stage, p, k);
    for (int q = 0; q < stage.stride; q++) {
      const std::size_t in = static_cast<std::size_t>(q + stage.stride * p) * kLanes;
      const std::size_t out = static_cast<std::size_t>(q + stage.stride * kRadix * p) * kLanes;
      // Fully unrolled, so that these arrays live in registers.
      Complex<Isa> inputs[kRadix];
      Complex<Isa> outputs[kRadix];
#pragma GCC unroll 8
      for (int j = 0; j < kRadix; j++)
        inputs[j] = LoadComplex<Isa>(x_re, x_im, in + j * input_span);
      butterfly(inputs, outputs);
      StoreComplex<Isa>(y_re, y_im, out, outputs[0]);
#pragma GCC unroll 8
      for (int k = 1; k < kRadix; k++) {
        StoreComplex<Isa>(y_re, y_im, out + k * output_span, Multiply<Isa>(outputs[k], twiddles[k]));
      }
    }
  }
}

/**
 * The complex FFT of every lane, in place in (re, im), through (scratch_re, scratch_im). The plan has only
 * radix-4 and radix-5 stages (fft_plan.cc).
 */
template <typename Isa>
void TransformLanes(
    const MelBlockTables& tables, double* re, double* im, double* scratch_re, double* scratch_im) {
  double* from_re = re;
  double* from_im = im;
  double* to_re = scratch_re;
  double* to_im = scratch_im;
  for (int s = 0; s < tables.n_fft_stages; s++) {
    const FftStage& stage = tables.fft_stages[s];
    if (stage.radix == 4) {
      RadixPass<Isa>(stage, Radix4Butterfly<Isa>(), from_re, from_im, to_re, to_im);
    } else {
      RadixPass<Isa>(stage, Radix5Butterfly<Isa>(), from_re, from_im, to_re, to_im);
    }
    double* const swap_re = from_re;
    double* const swap_im = from_im;
    from_re = to_re;
    from_im = to_im;
    to_re = swap_re;
    to_im = swap_im;
  }
  if (from_re != re) {
    for (std::size_t i = 0; i < static_cast<std::size_t>(kFftSize) * Isa::kDoubleLanes;
         i += Isa::kDoubleLanes) {
      Isa::StoreDoubles(re + i, Isa::LoadDoubles(from_re + i));
      Isa::StoreDoubles(im + i, Isa::LoadDoubles(from_im + i));
    }
  }
}

/**
 * From Z = FFT(a + i b) of real frames a (lanes of re) and b (lanes of im):
 * A[k] = (Z[k] + conj Z[N-k]) / 2 and B[k] = (Z[k] - conj Z[N-k]) / 2i. For the bins k < 201, writes |A[k]|²
 * to power[k][0, L) and |B[k]|² to power[k][L, 2L): frames in block order. Computed in float64 and rounded
 * once to float32 (6e-8 relative: ample for a log).
 */
template <typename Isa>
void SplitPowerSpectra(const double* z_re, const double* z_im, float* power) {
  using Doubles = typename Isa::Doubles;
  constexpr std::size_t kLanes = Isa::kDoubleLanes;
  const Doubles quarter = Isa::BroadcastDoubles(0.25);
  for (int k = 0; k < kFrequencyBins; k++) {
    const int mirror = k == 0 ? 0 : kFftSize - k;
    const Complex<Isa> z = LoadComplex<Isa>(z_re, z_im, k * kLanes);
    const Complex<Isa> z_mirror = LoadComplex<Isa>(z_re, z_im, mirror * kLanes);
    const Doubles sum_re = z.re + z_mirror.re;
    const Doubles diff_re = z.re - z_mirror.re;
    const Doubles sum_im = z.im + z_mirror.im;
    const Doubles diff_im = z.im - z_mirror.im;
    float* const row = power + k * 2 * kLanes;
    Isa::StoreAsFloats(row, (sum_re * sum_re + diff_im * diff_im) * quarter);
    Isa::StoreAsFloats(row + kLanes, (sum_im * sum_im + diff_re * diff_re) * quarter);
  }
}

/**
 * log10(x) for positive normal x, to about 2 float32 steps: x = m · 2^e with m in [√½, √2], and
 * ln m = 2 atanh(s) = 2 (s + s³/3 + s⁵/5 + s⁷/7 + s⁹/9), s = (m - 1) / (m + 1), |s| <= 0.172 (the next term
 * is below 1e-9 relative).
 */
template <typename Isa>
typename Isa::Floats Log10(typename Isa::Floats x) {
  using Floats = typename Isa::Floats;
  constexpr float kLog10OfE = 0.43429448190325182765f;
  constexpr float kLog10Of2 = 0.30102999566398119521f;
  Floats mantissa;
  Floats exponent;
  Isa::SplitMantissa(x, &mantissa, &exponent);
  const Floats one = Isa::BroadcastFloats(1.0f);
  const Floats s = (mantissa - one) / (mantissa + one);
  const Floats s2 = s * s;
  Floats series = Isa::BroadcastFloats(1.0f / 9.0f);
  series = series * s2 + Isa::BroadcastFloats(1.0f / 7.0f);
  series = series * s2 + Isa::BroadcastFloats(1.0f / 5.0f);
  series = series * s2 + Isa::BroadcastFloats(1.0f / 3.0f);
  series = series * s2 + one;
  const Floats ln_mantissa = Isa::BroadcastFloats(2.0f) * s * series;
  return exponent * Isa::BroadcastFloats(kLog10Of2) + ln_mantissa * Isa::BroadcastFloats(kLog10OfE);
}

/**
 * Whisper takes log10(max(mel, 1e-10)). That is max(log10(mel), -10), computed so: the clamp after the log
 * makes silence exactly -10 whichever way our log10 rounds its last bit (the one below only keeps
 * SplitMantissa's input a positive normal number).
 */
constexpr float kLogMelFloor = -10.0f;
constexpr float kSmallestMel = 1e-20f;

/**
 * Mel projection and log of the block's power spectra: each filter's few non-zero weights times whole rows of
 * power (2·L frames), summed in float32 — every term is non-negative, so the sum is accurate to a few float32
 * steps.
 */
template <typename Isa>
float ProjectToLogMel(const MelBlockTables& tables,
                      const float* power,
                      float* out,
                      std::size_t out_row_stride,
                      int n_valid_frames) {
  using Floats = typename Isa::Floats;
  constexpr int kFramesPerBlock = 2 * Isa::kDoubleLanes;
  constexpr int kFloatLanes = Isa::kFloatLanes;
  const Floats smallest_mel = Isa::BroadcastFloats(kSmallestMel);
  const Floats log_mel_floor = Isa::BroadcastFloats(kLogMelFloor);
  Floats block_max = log_mel_floor;
  for (int m = 0; m < tables.n_mels; m++) {
    const float* weights = tables.mel_weights + static_cast<std::size_t>(m) * kFrequencyBins;
    float* out_row = out + static_cast<std::size_t>(m) * out_row_stride;
    for (int first_frame = 0; first_frame < kFramesPerBlock; first_frame += kFloatLanes) {
      Floats sum = Isa::BroadcastFloats(0.0f);
      for (int f = tables.mel_first_bin[m]; f < tables.mel_end_bin[m]; f++) {
        sum = sum +
              Isa::BroadcastFloats(weights[f]) * Isa::LoadFloats(power + f * kFramesPerBlock + first_frame);
      }
      const Floats value = Isa::MaxFloats(Log10<Isa>(Isa::MaxFloats(sum, smallest_mel)), log_mel_floor);
      // Frames past n_valid_frames are zeros, and their -10 is no real frame's max: the max may include them.
      block_max = Isa::MaxFloats(block_max, value);
      const int n_to_write = n_valid_frames - first_frame;
      if (n_to_write >= kFloatLanes) {
        Isa::StoreFloats(out_row + first_frame, value);
      } else if (n_to_write > 0) {
        float lanes[kFloatLanes];
        Isa::StoreFloats(lanes, value);
        for (int i = 0; i < n_to_write; i++)
          out_row[first_frame + i] = lanes[i];
      }
    }
  }
  return Isa::ReduceMax(block_max);
}

/** MelBlockKernel::fill_interior_block for one instruction set. */
template <typename Isa>
void FillInteriorBlock(const MelBlockTables& tables,
                       const float* first_frame_samples,
                       const MelBlockWorkspace& workspace) {
  constexpr int kLanes = Isa::kDoubleLanes;
  static_assert(kFftSize % kLanes == 0, "frames are read in runs of L samples");
  // The imaginary lanes hold frames L … 2L-1, which start L hops later.
  const float* const imaginary_frames = first_frame_samples + kLanes * kHopSamples;
  typename Isa::Doubles columns[kLanes];
  for (int j = 0; j < kFftSize; j += kLanes) {
    Isa::LoadHopsTransposed(first_frame_samples + j, columns);
    for (int k = 0; k < kLanes; k++) {
      Isa::StoreDoubles(workspace.frames_re + (j + k) * kLanes,
                        Isa::BroadcastDoubles(tables.hann_window[j + k]) * columns[k]);
    }
    Isa::LoadHopsTransposed(imaginary_frames + j, columns);
    for (int k = 0; k < kLanes; k++) {
      Isa::StoreDoubles(workspace.frames_im + (j + k) * kLanes,
                        Isa::BroadcastDoubles(tables.hann_window[j + k]) * columns[k]);
    }
  }
}

/** MelBlockKernel::compute_block for one instruction set. */
template <typename Isa>
float ComputeBlock(const MelBlockTables& tables,
                   const MelBlockWorkspace& workspace,
                   float* out,
                   std::size_t out_row_stride,
                   int n_valid_frames) {
  TransformLanes<Isa>(tables, workspace.frames_re, workspace.frames_im, workspace.scratch_re,
                      workspace.scratch_im);
  SplitPowerSpectra<Isa>(workspace.frames_re, workspace.frames_im, workspace.power);
  return ProjectToLogMel<Isa>(tables, workspace.power, out, out_row_stride, n_valid_frames);
}

}  // namespace mel_block_kernel_impl
}  // namespace verbatim
