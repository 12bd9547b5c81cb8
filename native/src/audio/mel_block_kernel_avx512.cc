// The block kernel with AVX-512: eight frame pairs per block (L = 8), one 16-lane float32 vector of output
// columns. Compiled with -mavx512f/bw/vl/dq -mfma and reached only through MelBlockKernelFor's CPU check. No
// std:: code here (see mel_block_kernel.h).
#include <immintrin.h>

// GCC 12.2 warns about the placeholder (_mm512_undefined_*) operands inside its own intrinsics wherever they
// are inlined (GCC bug 105593), so for this whole file.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "audio/mel_block_kernel.h"
#include "audio/mel_block_kernel_impl.h"

namespace verbatim {
namespace {

struct Avx512Isa {
  using Doubles = __m512d;
  static constexpr int kDoubleLanes = 8;
  using Floats = __m512;
  static constexpr int kFloatLanes = 16;

  static Doubles BroadcastDoubles(double value) { return _mm512_set1_pd(value); }
  static Doubles LoadDoubles(const double* from) { return _mm512_loadu_pd(from); }
  static void StoreDoubles(double* to, Doubles value) { _mm512_storeu_pd(to, value); }
  static void LoadHopsTransposed(const float* samples, Doubles* columns) {
    Doubles rows[kDoubleLanes];
    for (int i = 0; i < kDoubleLanes; i++)
      rows[i] = _mm512_cvtps_pd(_mm256_loadu_ps(samples + i * kHopSamples));
    // 8 x 8 transpose in three rounds of 8 shuffles. Round 1 pairs rows 2r, 2r+1 sample by sample:
    // pairs[2r] holds their samples 0, 2, 4, 6 and pairs[2r+1] samples 1, 3, 5, 7, one 128-bit lane each.
    Doubles pairs[kDoubleLanes];
    for (int r = 0; r < kDoubleLanes / 2; r++) {
      pairs[2 * r] = _mm512_unpacklo_pd(rows[2 * r], rows[2 * r + 1]);
      pairs[2 * r + 1] = _mm512_unpackhi_pd(rows[2 * r], rows[2 * r + 1]);
    }
    // Round 2 joins two row pairs: lanes 0, 2 (0x88) or 1, 3 (0xdd) of each. quads[q] for rows 0-3, quads[4 +
    // q] for rows 4-7, q = 0 … 3 holding samples {0, 4}, {1, 5}, {2, 6}, {3, 7}.
    Doubles quads[kDoubleLanes];
    for (int half = 0; half < 2; half++) {
      const Doubles* p = pairs + 4 * half;
      quads[4 * half + 0] = _mm512_shuffle_f64x2(p[0], p[2], 0x88);
      quads[4 * half + 1] = _mm512_shuffle_f64x2(p[1], p[3], 0x88);
      quads[4 * half + 2] = _mm512_shuffle_f64x2(p[0], p[2], 0xdd);
      quads[4 * half + 3] = _mm512_shuffle_f64x2(p[1], p[3], 0xdd);
    }
    // Round 3 joins rows 0-3 with rows 4-7: sample q from lanes 0, 2 and sample q + 4 from lanes 1, 3.
    for (int q = 0; q < 4; q++) {
      columns[q] = _mm512_shuffle_f64x2(quads[q], quads[4 + q], 0x88);
      columns[q + 4] = _mm512_shuffle_f64x2(quads[q], quads[4 + q], 0xdd);
    }
  }
  static void StoreAsFloats(float* to, Doubles value) { _mm256_storeu_ps(to, _mm512_cvtpd_ps(value)); }
  static Floats BroadcastFloats(float value) { return _mm512_set1_ps(value); }
  static Floats LoadFloats(const float* from) { return _mm512_loadu_ps(from); }
  static void StoreFloats(float* to, Floats value) { _mm512_storeu_ps(to, value); }
  static Floats MaxFloats(Floats a, Floats b) { return _mm512_max_ps(a, b); }
  static float ReduceMax(Floats value) { return _mm512_reduce_max_ps(value); }

  static void SplitMantissa(Floats x, Floats* mantissa, Floats* exponent) {
    Floats m = _mm512_getmant_ps(x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_src);  // [1, 2)
    Floats e = _mm512_getexp_ps(x);                                         // floor(log2 x)
    const __mmask16 above_sqrt2 = _mm512_cmp_ps_mask(m, _mm512_set1_ps(1.41421356f), _CMP_GT_OQ);
    m = _mm512_mask_mul_ps(m, above_sqrt2, m, _mm512_set1_ps(0.5f));
    e = _mm512_mask_add_ps(e, above_sqrt2, e, _mm512_set1_ps(1.0f));
    *mantissa = m;
    *exponent = e;
  }
};

}  // namespace

const MelBlockKernel& Avx512MelBlockKernel() {
  static const MelBlockKernel kernel{SimdLevel::kAvx512, Avx512Isa::kDoubleLanes,
                                     &mel_block_kernel_impl::FillInteriorBlock<Avx512Isa>,
                                     &mel_block_kernel_impl::ComputeBlock<Avx512Isa>};
  return kernel;
}

}  // namespace verbatim
