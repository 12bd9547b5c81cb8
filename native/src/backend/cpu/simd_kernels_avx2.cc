// The SIMD kernels with AVX2 + FMA + F16C: 8 floats a vector. Compiled with -mavx2 -mfma -mf16c and reached
// only through simd_kernels.h after a CPUID check; the kernels themselves are in simd_kernels_impl.h.
#include <immintrin.h>

#include <cstdint>

#include "backend/cpu/simd_kernels.h"
#include "backend/cpu/simd_kernels_impl.h"

namespace verbatim {
namespace {

struct Avx2Isa {
  using Floats = __m256;
  static constexpr int64_t kLanes = 8;
  // 16 registers: 2 rows × 4 weight rows of accumulators, 4 weight vectors and one of x.
  static constexpr int kMaxXRows = 2;

  static Floats Broadcast(float value) { return _mm256_set1_ps(value); }
  static Floats Load(const float* p) { return _mm256_loadu_ps(p); }
  static void Store(float* p, Floats value) { _mm256_storeu_ps(p, value); }
  // Partial vectors go through a small buffer (AVX2's masked moves are slow on some CPUs and this is only a
  // tail).
  static Floats LoadPartial(const float* p, int64_t count, float fill) {
    alignas(32) float buffer[kLanes];
    for (int64_t i = 0; i < kLanes; ++i)
      buffer[i] = i < count ? p[i] : fill;
    return _mm256_load_ps(buffer);
  }
  static void StorePartial(float* p, Floats value, int64_t count) {
    alignas(32) float buffer[kLanes];
    _mm256_store_ps(buffer, value);
    for (int64_t i = 0; i < count; ++i)
      p[i] = buffer[i];
  }

  static Floats Fma(Floats a, Floats b, Floats c) { return _mm256_fmadd_ps(a, b, c); }
  static Floats Min(Floats a, Floats b) { return _mm256_min_ps(a, b); }
  static Floats Max(Floats a, Floats b) { return _mm256_max_ps(a, b); }
  static Floats Abs(Floats x) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x); }
  static Floats Sqrt(Floats x) { return _mm256_sqrt_ps(x); }
  static Floats RoundToNearest(Floats x) {
    return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  }
  static float ReduceSum(Floats v) {
    __m128 sum = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    sum = _mm_add_ps(sum, _mm_movehl_ps(sum, sum));
    return _mm_cvtss_f32(_mm_add_ss(sum, _mm_movehdup_ps(sum)));
  }
  static float ReduceMax(Floats v) {
    __m128 max = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    max = _mm_max_ps(max, _mm_movehl_ps(max, max));
    return _mm_cvtss_f32(_mm_max_ss(max, _mm_movehdup_ps(max)));
  }
  /** p · 2^n with 2^n built in the exponent bits. */
  static Floats MultiplyByPowerOfTwo(Floats p, Floats n) {
    const __m256i biased = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
    return _mm256_mul_ps(p, _mm256_castsi256_ps(_mm256_slli_epi32(biased, 23)));
  }
  /** blendv picks by the sign bit: -0 counts as negative, which is harmless where it is used (gelu(-0) = -0).
   */
  static Floats SelectWhereNegative(Floats x, Floats a, Floats b) { return _mm256_blendv_ps(b, a, x); }

  template <typename Widen>
  static Floats LoadHalfWords(const uint16_t* p, int64_t count) {
    alignas(16) uint16_t buffer[kLanes] = {};
    for (int64_t i = 0; i < count; ++i)
      buffer[i] = p[i];
    return Widen::Load(buffer);
  }

  struct F32Weights {
    using Weight = float;
    static Floats Load(const float* p) { return _mm256_loadu_ps(p); }
    static Floats LoadPartial(const float* p, int64_t count) { return Avx2Isa::LoadPartial(p, count, 0.0f); }
  };
  struct F16Weights {
    using Weight = uint16_t;
    static Floats Load(const uint16_t* p) {
      return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    }
    static Floats LoadPartial(const uint16_t* p, int64_t count) {
      return LoadHalfWords<F16Weights>(p, count);
    }
  };
  struct BF16Weights {
    using Weight = uint16_t;
    static Floats Load(const uint16_t* p) {
      const __m256i widened = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
      return _mm256_castsi256_ps(_mm256_slli_epi32(widened, 16));
    }
    static Floats LoadPartial(const uint16_t* p, int64_t count) {
      return LoadHalfWords<BF16Weights>(p, count);
    }
  };

  static void Prefetch(uintptr_t address) {
    _mm_prefetch(reinterpret_cast<const char*>(address), _MM_HINT_T0);
  }
};

constexpr SimdKernels kAvx2Kernels = simd_kernels_impl::MakeSimdKernels<Avx2Isa>(SimdLevel::kAvx2);

}  // namespace

const SimdKernels& Avx2SimdKernels() {
  return kAvx2Kernels;
}

}  // namespace verbatim
