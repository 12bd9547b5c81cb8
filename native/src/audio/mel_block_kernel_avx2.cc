// The block kernel with AVX2 + FMA: four frame pairs per block (L = 4). Compiled with -mavx2 -mfma and
// reached only through MelBlockKernelFor's CPU check. No std:: code here (see mel_block_kernel.h).
#include <immintrin.h>

#include "audio/mel_block_kernel.h"
#include "audio/mel_block_kernel_impl.h"

namespace verbatim {
namespace {

struct Avx2Isa {
  using Doubles = __m256d;
  static constexpr int kDoubleLanes = 4;
  using Floats = __m256;
  static constexpr int kFloatLanes = 8;

  static Doubles BroadcastDoubles(double value) { return _mm256_set1_pd(value); }
  static Doubles LoadDoubles(const double* from) { return _mm256_loadu_pd(from); }
  static void StoreDoubles(double* to, Doubles value) { _mm256_storeu_pd(to, value); }
  static void LoadHopsTransposed(const float* samples, Doubles* columns) {
    Doubles rows[kDoubleLanes];
    for (int i = 0; i < kDoubleLanes; i++)
      rows[i] = _mm256_cvtps_pd(_mm_loadu_ps(samples + i * kHopSamples));
    // 4 x 4 transpose: pair the rows' even and odd samples, then swap 128-bit halves.
    const Doubles even01 = _mm256_unpacklo_pd(rows[0], rows[1]);
    const Doubles odd01 = _mm256_unpackhi_pd(rows[0], rows[1]);
    const Doubles even23 = _mm256_unpacklo_pd(rows[2], rows[3]);
    const Doubles odd23 = _mm256_unpackhi_pd(rows[2], rows[3]);
    columns[0] = _mm256_permute2f128_pd(even01, even23, 0x20);
    columns[1] = _mm256_permute2f128_pd(odd01, odd23, 0x20);
    columns[2] = _mm256_permute2f128_pd(even01, even23, 0x31);
    columns[3] = _mm256_permute2f128_pd(odd01, odd23, 0x31);
  }
  static void StoreAsFloats(float* to, Doubles value) { _mm_storeu_ps(to, _mm256_cvtpd_ps(value)); }
  static Floats BroadcastFloats(float value) { return _mm256_set1_ps(value); }
  static Floats LoadFloats(const float* from) { return _mm256_loadu_ps(from); }
  static void StoreFloats(float* to, Floats value) { _mm256_storeu_ps(to, value); }
  static Floats MaxFloats(Floats a, Floats b) { return _mm256_max_ps(a, b); }

  static float ReduceMax(Floats value) {
    __m128 half = _mm_max_ps(_mm256_castps256_ps128(value), _mm256_extractf128_ps(value, 1));
    half = _mm_max_ps(half, _mm_movehl_ps(half, half));
    half = _mm_max_ss(half, _mm_movehdup_ps(half));
    return _mm_cvtss_f32(half);
  }

  static void SplitMantissa(Floats x, Floats* mantissa, Floats* exponent) {
    // x positive and normal: bits 23..30 hold the biased exponent, 0..22 the fraction of a mantissa in [1,
    // 2).
    const __m256i bits = _mm256_castps_si256(x);
    const __m256i biased_exponent = _mm256_srli_epi32(bits, 23);
    const __m256i fraction_bits = _mm256_and_si256(bits, _mm256_set1_epi32(0x007fffff));
    Floats m = _mm256_castsi256_ps(_mm256_or_si256(fraction_bits, _mm256_set1_epi32(0x3f800000)));
    Floats e = _mm256_cvtepi32_ps(_mm256_sub_epi32(biased_exponent, _mm256_set1_epi32(127)));
    const Floats above_sqrt2 = _mm256_cmp_ps(m, _mm256_set1_ps(1.41421356f), _CMP_GT_OQ);
    m = _mm256_blendv_ps(m, _mm256_mul_ps(m, _mm256_set1_ps(0.5f)), above_sqrt2);
    e = _mm256_add_ps(e, _mm256_and_ps(above_sqrt2, _mm256_set1_ps(1.0f)));
    *mantissa = m;
    *exponent = e;
  }
};

}  // namespace

const MelBlockKernel& Avx2MelBlockKernel() {
  static const MelBlockKernel kernel{SimdLevel::kAvx2, Avx2Isa::kDoubleLanes,
                                     &mel_block_kernel_impl::FillInteriorBlock<Avx2Isa>,
                                     &mel_block_kernel_impl::ComputeBlock<Avx2Isa>};
  return kernel;
}

}  // namespace verbatim
