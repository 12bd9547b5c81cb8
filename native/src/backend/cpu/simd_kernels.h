// The CPU backend's vector kernels, in three builds chosen at run time: portable scalar code, AVX2 + FMA +
// F16C (simd_kernels_avx2.cc) and AVX-512 (simd_kernels_avx512.cc). The AVX files are compiled for their
// instruction set only (see native/CMakeLists.txt) and are reached only through this table after a CPUID
// check, so the library runs on any x86-64.
//
// All kernels take f32 data unless the name says otherwise, accept any length n >= 0 and unaligned pointers,
// and are thread-safe (they touch only their arguments).
#pragma once

#include <cstdint>

namespace verbatim {

enum class SimdLevel { kScalar, kAvx2, kAvx512 };

const char* SimdLevelName(SimdLevel level);

struct SimdKernels {
  SimdLevel level;

  /** y[i] += x[i]. */
  void (*add)(const float* x, float* y, int64_t n);
  /** y[i] = gelu(y[i] + bias[i]) with the exact (erf) GELU; `bias` may be nullptr. */
  void (*bias_gelu)(const float* bias, float* y, int64_t n);
  /** out = (x - mean(x)) / sqrt(var(x) + eps) · gain + offset; `out` may alias `x`. */
  void (*layer_norm)(
      const float* x, const float* gain, const float* offset, float eps, int64_t n, float* out);
  /** x = softmax(x), in place (max-subtracted, so any finite input is safe). */
  void (*softmax)(float* x, int64_t n);
  /**
   * *max = max(x) and *sum_exp = Σ e^(x[i] − max), for a log-sum-exp over a row of logits (decoding's
   * log-probabilities): e^ in f32 to about 1 ulp, sums in f32 over blocks of 1,024 then in double. Entries at
   * −∞ (suppressed tokens) add at most e^−87.33 ≈ 1e-38 each, far below the resolution of a sum that is at
   * least
   * 1. All −∞ (or n = 0): *max = −∞, *sum_exp = 0.
   */
  void (*max_and_sum_exp)(const float* x, int64_t n, float* max, double* sum_exp);
  /** The index of x's largest value, the first of equal ones (as std::max_element); 0 for n <= 0. No NaNs. */
  int64_t (*argmax)(const float* x, int64_t n);
  /** IEEE half → f32. */
  void (*f16_to_f32)(const uint16_t* in, float* out, int64_t n);
  /** bfloat16 → f32. */
  void (*bf16_to_f32)(const uint16_t* in, float* out, int64_t n);

  /**
   * A GEMM for few rows of x, reading each weight once: out[m · ldo + r] = Σ_k x[m · k_dim + k] · w[r · ldw +
   * k] for m < n_x_rows, r < n_w_rows, with w f32 / f16 / bf16 (rows ldw >= k_dim elements apart). What the
   * decoder's one token per sequence needs (BLAS handles it poorly: OpenBLAS 0.3.21's sgemm is about 2×
   * slower than this at one row), and attention's scores for one query (keys are rows of a wider matrix).
   */
  void (*rows_dot_f32)(const float* x,
                       int64_t n_x_rows,
                       int64_t k_dim,
                       const float* w,
                       int64_t ldw,
                       int64_t n_w_rows,
                       float* out,
                       int64_t ldo);
  void (*rows_dot_f16)(const float* x,
                       int64_t n_x_rows,
                       int64_t k_dim,
                       const uint16_t* w,
                       int64_t ldw,
                       int64_t n_w_rows,
                       float* out,
                       int64_t ldo);
  void (*rows_dot_bf16)(const float* x,
                        int64_t n_x_rows,
                        int64_t k_dim,
                        const uint16_t* w,
                        int64_t ldw,
                        int64_t n_w_rows,
                        float* out,
                        int64_t ldo);

  /**
   * out[i] = Σ_j weights[j] · rows[j · ldr + i] for i < width, j < n_rows (rows ldr >= width apart):
   * attention's probabilities times the values, for one query.
   */
  void (*weighted_row_sum)(
      const float* weights, int64_t n_rows, const float* rows, int64_t ldr, int64_t width, float* out);
};

/** Whether this CPU (and OS) can run `level`'s kernels. */
bool CpuSupports(SimdLevel level);

/**
 * The kernels of one level (for tests and benchmarks that compare levels).
 * @throws Error kBackend when the CPU cannot run them.
 */
const SimdKernels& SimdKernelsFor(SimdLevel level);

/**
 * The best level this CPU supports, or the one named by the environment variable VERBATIM_SIMD ("scalar",
 * "avx2", "avx512") when set, for debugging the fallbacks. Decided once per process.
 * @throws Error kBackend when VERBATIM_SIMD names an unknown or unsupported level.
 */
const SimdKernels& BestSimdKernels();

// The per-level tables, defined in their own files; use them only through the functions above.
const SimdKernels& ScalarSimdKernels();
const SimdKernels& Avx2SimdKernels();
const SimdKernels& Avx512SimdKernels();

}  // namespace verbatim
