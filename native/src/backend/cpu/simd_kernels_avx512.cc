// The SIMD kernels with AVX-512 (F, BW, VL, DQ): 16 floats a vector, masked loads for tails. Compiled with
// the AVX-512 flags and reached only through simd_kernels.h after a CPUID check; the kernels themselves are
// in simd_kernels_impl.h.
#include <immintrin.h>

#include <cstdint>

// GCC 12's AVX-512 intrinsics use _mm*_undefined_*() placeholders and then warn about them wherever they are
// inlined (GCC bug 105593): silenced for this file.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "backend/cpu/simd_kernels.h"
#include "backend/cpu/simd_kernels_impl.h"

namespace verbatim {
namespace {

struct Avx512Isa {
  using Floats = __m512;
  static constexpr int64_t kLanes = 16;
  // 32 registers: 4 rows × 4 weight rows of accumulators, 4 weight vectors and one of x.
  static constexpr int kMaxXRows = 4;

  /** The first `count` lanes. */
  static __mmask16 Mask(int64_t count) { return static_cast<__mmask16>((1u << count) - 1u); }

  static Floats Broadcast(float value) { return _mm512_set1_ps(value); }
  static Floats Load(const float* p) { return _mm512_loadu_ps(p); }
  static void Store(float* p, Floats value) { _mm512_storeu_ps(p, value); }
  // Masked memory operations are slow on some CPUs (AMD Zen 4), so the kernels use them only for a partial
  // tail.
  static Floats LoadPartial(const float* p, int64_t count, float fill) {
    return _mm512_mask_loadu_ps(_mm512_set1_ps(fill), Mask(count), p);
  }
  static void StorePartial(float* p, Floats value, int64_t count) {
    _mm512_mask_storeu_ps(p, Mask(count), value);
  }

  static Floats Fma(Floats a, Floats b, Floats c) { return _mm512_fmadd_ps(a, b, c); }
  static Floats Min(Floats a, Floats b) { return _mm512_min_ps(a, b); }
  static Floats Max(Floats a, Floats b) { return _mm512_max_ps(a, b); }
  static Floats Abs(Floats x) { return _mm512_abs_ps(x); }
  static Floats Sqrt(Floats x) { return _mm512_sqrt_ps(x); }
  static Floats RoundToNearest(Floats x) {
    return _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  }
  static float ReduceSum(Floats v) { return _mm512_reduce_add_ps(v); }
  static float ReduceMax(Floats v) { return _mm512_reduce_max_ps(v); }
  static Floats MultiplyByPowerOfTwo(Floats p, Floats n) { return _mm512_scalef_ps(p, n); }
  static Floats SelectWhereNegative(Floats x, Floats a, Floats b) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ), b, a);
  }

  struct F32Weights {
    using Weight = float;
    static Floats Load(const float* p) { return _mm512_loadu_ps(p); }
    static Floats LoadPartial(const float* p, int64_t count) { return _mm512_maskz_loadu_ps(Mask(count), p); }
  };
  struct F16Weights {
    using Weight = uint16_t;
    static Floats Load(const uint16_t* p) {
      return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    }
    static Floats LoadPartial(const uint16_t* p, int64_t count) {
      return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(Mask(count), p));
    }
  };
  struct BF16Weights {
    using Weight = uint16_t;
    static Floats Widen(__m256i bits) {
      return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(bits), 16));
    }
    static Floats Load(const uint16_t* p) {
      return Widen(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    }
    static Floats LoadPartial(const uint16_t* p, int64_t count) {
      return Widen(_mm256_maskz_loadu_epi16(Mask(count), p));
    }
  };

  static void Prefetch(uintptr_t address) {
    _mm_prefetch(reinterpret_cast<const char*>(address), _MM_HINT_T0);
  }
};

constexpr SimdKernels kAvx512Kernels = simd_kernels_impl::MakeSimdKernels<Avx512Isa>(SimdLevel::kAvx512);

}  // namespace

const SimdKernels& Avx512SimdKernels() {
  return kAvx512Kernels;
}

}  // namespace verbatim
