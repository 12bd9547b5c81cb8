// The SIMD kernels (see simd_kernels.h), written once over an instruction-set description `Isa` and compiled
// by simd_kernels_avx2.cc and simd_kernels_avx512.cc, each with its own Isa and compiler flags. Include it
// only from those files. Every function here is a template over Isa and each file's Isa lives in an unnamed
// namespace, so every instantiation is private to the file that made it (never merged with a copy built for
// another instruction set), and nothing here calls an inline library function that could be.
//
// Isa provides (no alignment needed; Floats supports + - * /):
//   Floats, kLanes: a float32 vector. kMaxXRows: rows of x a rows_dot tile holds (its registers allow).
//   Broadcast(float), Load(const float*), Store(float*, Floats).
//   LoadPartial(const float*, count, fill): lanes [0, count) from memory, the rest `fill`.
//   StorePartial(float*, Floats, count): writes lanes [0, count). count is in [1, kLanes).
//   Fma(a, b, c) = a·b + c, Min, Max, Abs, Sqrt, RoundToNearest, ReduceSum, ReduceMax.
//   MultiplyByPowerOfTwo(p, n) = p · 2^n for integral n in [-126, 127].
//   SelectWhereNegative(x, a, b): a where x < 0, else b.
//   F32Weights, F16Weights, BF16Weights: `Weight` (the stored element type), Load(const Weight*) → Floats and
//     LoadPartial(const Weight*, count), zero-filled.
//   Prefetch(uintptr_t address): a hint that never faults.
#pragma once

#include <cstdint>
#include <limits>

#include "backend/cpu/simd_kernels.h"

namespace verbatim {
namespace simd_kernels_impl {

/** Calls step(i) for each whole vector of [0, n), then step(i, count) for the partial last one, if any. */
template <typename Isa, typename Step>
inline void ForEachVector(int64_t n, Step step) {
  int64_t i = 0;
  for (; i + Isa::kLanes <= n; i += Isa::kLanes)
    step(i);
  if (i < n)
    step(i, n - i);
}

/** A whole vector, or (with a count) the first `count` lanes and `fill` in the rest. */
template <typename Isa, typename... Count>
inline typename Isa::Floats LoadFilledAt(const float* p, float fill, Count... count) {
  if constexpr (sizeof...(count) == 0) {
    return Isa::Load(p);
  } else {
    return Isa::LoadPartial(p, count..., fill);
  }
}

/** A whole vector, or (with a count) the first `count` lanes and zeros. */
template <typename Isa, typename... Count>
inline typename Isa::Floats LoadAt(const float* p, Count... count) {
  return LoadFilledAt<Isa>(p, 0.0f, count...);
}

template <typename Isa, typename... Count>
inline void StoreAt(float* p, typename Isa::Floats value, Count... count) {
  if constexpr (sizeof...(count) == 0) {
    Isa::Store(p, value);
  } else {
    Isa::StorePartial(p, value, count...);
  }
}

template <typename Format, typename... Count>
inline auto LoadWeightsAt(const typename Format::Weight* p, Count... count) {
  if constexpr (sizeof...(count) == 0) {
    return Format::Load(p);
  } else {
    return Format::LoadPartial(p, count...);
  }
}

// e^x to about 1 ulp: x = n·ln2 + r with |r| <= ln2/2 (ln2 split in two for an exact reduction), Cephes
// expf's polynomial for e^r, then the power of two. Inputs are clamped so n stays in the normal range
// (e^-87.33 ≈ 1e-38 stands in for smaller results).
template <typename Isa>
inline typename Isa::Floats Exp(typename Isa::Floats x) {
  using Floats = typename Isa::Floats;
  x = Isa::Min(Isa::Max(x, Isa::Broadcast(-87.33f)), Isa::Broadcast(88.0f));
  const Floats n = Isa::RoundToNearest(x * Isa::Broadcast(1.44269504088896341f));
  Floats r = Isa::Fma(n, Isa::Broadcast(-0.693359375f), x);
  r = Isa::Fma(n, Isa::Broadcast(2.12194440e-4f), r);
  Floats p = Isa::Broadcast(1.9875691500e-4f);
  p = Isa::Fma(p, r, Isa::Broadcast(1.3981999507e-3f));
  p = Isa::Fma(p, r, Isa::Broadcast(8.3334519073e-3f));
  p = Isa::Fma(p, r, Isa::Broadcast(4.1665795894e-2f));
  p = Isa::Fma(p, r, Isa::Broadcast(1.6666665459e-1f));
  p = Isa::Fma(p, r, Isa::Broadcast(5.0000001201e-1f));
  p = Isa::Fma(p, r * r, r + Isa::Broadcast(1.0f));
  return Isa::MultiplyByPowerOfTwo(p, n);
}

// gelu(x) = x/2 · (1 + erf(x/√2)), erf by Abramowitz & Stegun 7.1.26 (|error| <= 1.5e-7, the approximation
// PyTorch's vectorised CPU erf uses), so |error| <= 1.5e-7 · |x|/2. Built from erfc(|z|) = t·P(t)·e^(-z²) for
// both signs: no 1 - erf cancellation for x < 0.
template <typename Isa>
inline typename Isa::Floats Gelu(typename Isa::Floats x) {
  using Floats = typename Isa::Floats;
  const Floats z = Isa::Abs(x) * Isa::Broadcast(0.70710678118654752f);
  const Floats t = Isa::Broadcast(1.0f) / Isa::Fma(z, Isa::Broadcast(0.3275911f), Isa::Broadcast(1.0f));
  Floats poly = Isa::Broadcast(1.061405429f);
  poly = Isa::Fma(poly, t, Isa::Broadcast(-1.453152027f));
  poly = Isa::Fma(poly, t, Isa::Broadcast(1.421413741f));
  poly = Isa::Fma(poly, t, Isa::Broadcast(-0.284496736f));
  poly = Isa::Fma(poly, t, Isa::Broadcast(0.254829592f));
  const Floats erfc_z = poly * t * Exp<Isa>(Isa::Broadcast(0.0f) - z * z);
  const Floats one_plus_erf = Isa::SelectWhereNegative(x, erfc_z, Isa::Broadcast(2.0f) - erfc_z);
  return Isa::Broadcast(0.5f) * x * one_plus_erf;
}

template <typename Isa>
void Add(const float* x, float* y, int64_t n) {
  ForEachVector<Isa>(n, [&](int64_t i, auto... count) {
    StoreAt<Isa>(y + i, LoadAt<Isa>(x + i, count...) + LoadAt<Isa>(y + i, count...), count...);
  });
}

template <typename Isa>
void BiasGelu(const float* bias, float* y, int64_t n) {
  ForEachVector<Isa>(n, [&](int64_t i, auto... count) {
    auto value = LoadAt<Isa>(y + i, count...);
    if (bias != nullptr)
      value = value + LoadAt<Isa>(bias + i, count...);
    StoreAt<Isa>(y + i, Gelu<Isa>(value), count...);
  });
}

template <typename Isa>
void LayerNorm(const float* x, const float* gain, const float* offset, float eps, int64_t n, float* out) {
  auto sum = Isa::Broadcast(0.0f);
  ForEachVector<Isa>(n, [&](int64_t i, auto... count) { sum = sum + LoadAt<Isa>(x + i, count...); });
  const float mean = Isa::ReduceSum(sum) / static_cast<float>(n);
  const auto mean_v = Isa::Broadcast(mean);
  auto squares = Isa::Broadcast(0.0f);
  ForEachVector<Isa>(n, [&](int64_t i, auto... count) {
    // A partial vector is padded with the mean, so its padding adds nothing.
    const auto centred = LoadFilledAt<Isa>(x + i, mean, count...) - mean_v;
    squares = Isa::Fma(centred, centred, squares);
  });
  const float variance = Isa::ReduceSum(squares) / static_cast<float>(n);
  const auto inverse_std = Isa::Broadcast(1.0f) / Isa::Sqrt(Isa::Broadcast(variance + eps));
  ForEachVector<Isa>(n, [&](int64_t i, auto... count) {
    const auto normalised = (LoadAt<Isa>(x + i, count...) - mean_v) * inverse_std;
    StoreAt<Isa>(out + i,
                 Isa::Fma(normalised, LoadAt<Isa>(gain + i, count...), LoadAt<Isa>(offset + i, count...)),
                 count...);
  });
}

template <typename Isa>
void Softmax(float* x, int64_t n) {
  if (n == 0)
    return;
  auto max_v = Isa::Broadcast(x[0]);
  ForEachVector<Isa>(n, [&](int64_t i, auto... count) {
    // A partial vector is padded with x[0], which cannot raise the maximum.
    max_v = Isa::Max(max_v, LoadFilledAt<Isa>(x + i, x[0], count...));
  });
  const auto max = Isa::Broadcast(Isa::ReduceMax(max_v));
  auto sum = Isa::Broadcast(0.0f);
  ForEachVector<Isa>(n, [&](int64_t i, auto... count) {
    const auto e = Exp<Isa>(LoadAt<Isa>(x + i, count...) - max);
    StoreAt<Isa>(x + i, e, count...);
    // Reloaded so that a partial vector's padding (e^-max) stays out of the sum.
    sum = sum + LoadAt<Isa>(x + i, count...);
  });
  const auto inverse_sum = Isa::Broadcast(1.0f / Isa::ReduceSum(sum));
  ForEachVector<Isa>(n, [&](int64_t i, auto... count) {
    StoreAt<Isa>(x + i, LoadAt<Isa>(x + i, count...) * inverse_sum, count...);
  });
}

template <typename Isa>
void MaxAndSumExp(const float* x, int64_t n, float* max_out, double* sum_out) {
  *max_out = -std::numeric_limits<float>::infinity();
  *sum_out = 0.0;
  if (n == 0)
    return;
  auto max_v = Isa::Broadcast(x[0]);
  ForEachVector<Isa>(n, [&](int64_t i, auto... count) {
    max_v = Isa::Max(max_v, LoadFilledAt<Isa>(x + i, x[0], count...));
  });
  const float max = Isa::ReduceMax(max_v);
  *max_out = max;
  if (max == -std::numeric_limits<float>::infinity())
    return;
  const auto max_b = Isa::Broadcast(max);
  constexpr int64_t kBlock = 1024;  // f32 partial sums stay short: at most kBlock / kLanes terms a lane
  double total = 0.0;
  for (int64_t start = 0; start < n; start += kBlock) {
    const int64_t length = n - start < kBlock ? n - start : kBlock;
    auto sum = Isa::Broadcast(0.0f);
    ForEachVector<Isa>(length, [&](int64_t i, auto... count) {
      // A partial vector's padding is −∞: it adds e^−87.33 a lane at most (see simd_kernels.h).
      const auto value = LoadFilledAt<Isa>(x + start + i, -std::numeric_limits<float>::infinity(), count...);
      sum = sum + Exp<Isa>(value - max_b);
    });
    total += static_cast<double>(Isa::ReduceSum(sum));
  }
  *sum_out = total;
}

template <typename Isa>
int64_t ArgMax(const float* x, int64_t n) {
  if (n <= 0)
    return 0;
  auto max_v = Isa::Broadcast(x[0]);
  ForEachVector<Isa>(n, [&](int64_t i, auto... count) {
    max_v = Isa::Max(max_v, LoadFilledAt<Isa>(x + i, x[0], count...));
  });
  const float max = Isa::ReduceMax(max_v);
  // The maximum is known: its first occurrence ends a plain scan (about half the row on average).
  for (int64_t i = 0; i < n; ++i) {
    if (x[i] == max)
      return i;
  }
  return 0;  // unreachable without NaNs
}

template <typename Isa, typename Format>
void Convert(const typename Format::Weight* in, float* out, int64_t n) {
  ForEachVector<Isa>(n, [&](int64_t i, auto... count) {
    StoreAt<Isa>(out + i, LoadWeightsAt<Format>(in + i, count...), count...);
  });
}

// rows_dot streams weights from memory-mapped files, whose 4 KB pages stop the hardware prefetcher at every
// page boundary; asking for the same column kPrefetchRowsAhead rows further on keeps loads in flight (about a
// third faster for f16 weights on AMD Zen 4). Prefetches never fault, so running past the last row is
// harmless; the address is an integer so that no out-of-range pointer is formed.
constexpr int64_t kPrefetchRowsAhead = 8;

/** One k-step of a tile: kXRows · kWRows multiply-adds (partial loads only for the last step). */
template <typename Isa, typename Format, int kXRows, int kWRows, typename... Count>
inline void RowsDotStep(const float* x,
                        int64_t k_dim,
                        const typename Format::Weight* w,
                        int64_t ldw,
                        int64_t k,
                        typename Isa::Floats (&acc)[kXRows][kWRows],
                        Count... count) {
  typename Isa::Floats weights[kWRows];
  for (int j = 0; j < kWRows; ++j) {
    const typename Format::Weight* row = w + j * ldw + k;
    Isa::Prefetch(reinterpret_cast<uintptr_t>(row) + kPrefetchRowsAhead * ldw * sizeof(*row));
    weights[j] = LoadWeightsAt<Format>(row, count...);
  }
  for (int m = 0; m < kXRows; ++m) {
    const auto xv = LoadAt<Isa>(x + m * k_dim + k, count...);
    for (int j = 0; j < kWRows; ++j)
      acc[m][j] = Isa::Fma(xv, weights[j], acc[m][j]);
  }
}

// kXRows rows of x against kWRows weight rows: kXRows · kWRows accumulators stay in registers and each weight
// vector loaded (and widened) is used kXRows times.
template <typename Isa, typename Format, int kXRows, int kWRows>
void RowsDotTile(
    const float* x, int64_t k_dim, const typename Format::Weight* w, int64_t ldw, float* out, int64_t ldo) {
  typename Isa::Floats acc[kXRows][kWRows];
  for (int m = 0; m < kXRows; ++m) {
    for (int j = 0; j < kWRows; ++j)
      acc[m][j] = Isa::Broadcast(0.0f);
  }
  ForEachVector<Isa>(k_dim, [&](int64_t k, auto... count) {
    RowsDotStep<Isa, Format, kXRows, kWRows>(x, k_dim, w, ldw, k, acc, count...);
  });
  for (int m = 0; m < kXRows; ++m) {
    for (int j = 0; j < kWRows; ++j)
      out[m * ldo + j] = Isa::ReduceSum(acc[m][j]);
  }
}

/** Every row of x against kWRows weight rows, in tiles of up to Isa::kMaxXRows rows of x. */
template <typename Isa, typename Format, int kWRows, int kXRows = Isa::kMaxXRows>
void RowsDotWeightTile(const float* x,
                       int64_t n_x_rows,
                       int64_t k_dim,
                       const typename Format::Weight* w,
                       int64_t ldw,
                       float* out,
                       int64_t ldo) {
  int64_t m = 0;
  for (; m + kXRows <= n_x_rows; m += kXRows) {
    RowsDotTile<Isa, Format, kXRows, kWRows>(x + m * k_dim, k_dim, w, ldw, out + m * ldo, ldo);
  }
  if constexpr (kXRows > 1) {
    if (m < n_x_rows) {
      RowsDotWeightTile<Isa, Format, kWRows, kXRows - 1>(x + m * k_dim, n_x_rows - m, k_dim, w, ldw,
                                                         out + m * ldo, ldo);
    }
  }
}

// Weight tiles outermost: each weight row is read from memory once and reused from L1 for every x row.
template <typename Isa, typename Format>
void RowsDot(const float* x,
             int64_t n_x_rows,
             int64_t k_dim,
             const typename Format::Weight* w,
             int64_t ldw,
             int64_t n_w_rows,
             float* out,
             int64_t ldo) {
  constexpr int kWRows = 4;
  int64_t r = 0;
  for (; r + kWRows <= n_w_rows; r += kWRows) {
    RowsDotWeightTile<Isa, Format, kWRows>(x, n_x_rows, k_dim, w + r * ldw, ldw, out + r, ldo);
  }
  for (; r < n_w_rows; ++r)
    RowsDotWeightTile<Isa, Format, 1>(x, n_x_rows, k_dim, w + r * ldw, ldw, out + r, ldo);
}

/** kVectors vectors of columns of the weighted sum, their accumulators held in registers across all rows. */
template <typename Isa, int kVectors, typename... Count>
void WeightedRowSumColumns(
    const float* weights, int64_t n_rows, const float* rows, int64_t ldr, float* out, Count... count) {
  typename Isa::Floats acc[kVectors];
  for (int v = 0; v < kVectors; ++v)
    acc[v] = Isa::Broadcast(0.0f);
  for (int64_t j = 0; j < n_rows; ++j) {
    const auto weight = Isa::Broadcast(weights[j]);
    for (int v = 0; v < kVectors; ++v) {
      acc[v] = Isa::Fma(weight, LoadAt<Isa>(rows + j * ldr + v * Isa::kLanes, count...), acc[v]);
    }
  }
  for (int v = 0; v < kVectors; ++v)
    StoreAt<Isa>(out + v * Isa::kLanes, acc[v], count...);
}

template <typename Isa>
void WeightedRowSum(
    const float* weights, int64_t n_rows, const float* rows, int64_t ldr, int64_t width, float* out) {
  constexpr int kVectors = 4;
  int64_t i = 0;
  for (; i + kVectors * Isa::kLanes <= width; i += kVectors * Isa::kLanes) {
    WeightedRowSumColumns<Isa, kVectors>(weights, n_rows, rows + i, ldr, out + i);
  }
  ForEachVector<Isa>(width - i, [&](int64_t column, auto... count) {
    WeightedRowSumColumns<Isa, 1>(weights, n_rows, rows + i + column, ldr, out + i + column, count...);
  });
}

/** The kernel table of one instruction set. */
template <typename Isa>
constexpr SimdKernels MakeSimdKernels(SimdLevel level) {
  using F32 = typename Isa::F32Weights;
  using F16 = typename Isa::F16Weights;
  using BF16 = typename Isa::BF16Weights;
  return SimdKernels{
      level,
      Add<Isa>,
      BiasGelu<Isa>,
      LayerNorm<Isa>,
      Softmax<Isa>,
      MaxAndSumExp<Isa>,
      ArgMax<Isa>,
      Convert<Isa, F16>,
      Convert<Isa, BF16>,
      RowsDot<Isa, F32>,
      RowsDot<Isa, F16>,
      RowsDot<Isa, BF16>,
      WeightedRowSum<Isa>,
  };
}

}  // namespace simd_kernels_impl
}  // namespace verbatim
