// Two paths, chosen by the number of rows of x:
//
// - Few rows (a decoder step: one token per sequence): the SIMD rows_dot kernel streams each weight row
//   once and widens f16/bf16 in registers. The work is memory-bound, so weight rows are split across
//   threads.
// - Many rows (the encoder, teacher forcing): OpenBLAS sgemm on tiles of [rows × weight rows]. f16/bf16
//   weight tiles are widened into per-thread scratch first: converting a tile costs far less than
//   multiplying it, and the model stays memory-mapped instead of being copied to f32 whole.
//
// Threading: OpenBLAS runs single-threaded and this pool hands out the tiles. Measured on the 2-core
// development machine (AVX-512, OpenBLAS 0.3.21): a [1500 × 384] · [1536 × 384]ᵀ GEMM takes 8.1 ms with
// OpenBLAS's own 2 threads and 8.2 ms split in two by hand (15.8 ms on one thread), so nothing is lost,
// while OpenBLAS's idle threads would keep spinning after each call and take the cores from the attention
// and element-wise kernels between GEMMs.
#include "backend/cpu/cpu_linear.h"

#include <cblas.h>

#include <algorithm>
#include <cstring>

#include "core/fail.h"

namespace verbatim {
namespace {

// Up to this many rows of x, rows_dot (each weight read once) beats sgemm, which packs the weights first.
constexpr int64_t kMaxRowsForRowsDot = 8;
// rows_dot splits the weight rows into ranges of at least this many (a few KB of weights each).
constexpr int64_t kMinWeightRowsPerTask = 16;
// sgemm tiles: big enough that OpenBLAS's packing of both operands is amortised over the multiply.
constexpr int64_t kTileRows = 256;
constexpr int64_t kTileWeightRows = 512;
// A widened weight tile holds at most this many floats (4 MB), which caps the tile for large K.
constexpr int64_t kMaxWidenedTileFloats = int64_t{1} << 20;
constexpr int64_t kTileWeightRowsMultiple = 16;

/** Adds the bias and applies GELU to rows [0, m) of an output block of `width` columns, row stride ldo. */
void ApplyEpilogue(const SimdKernels& kernels,
                   const float* bias,
                   LinearEpilogue epilogue,
                   int64_t m,
                   int64_t width,
                   float* out,
                   int64_t ldo) {
  for (int64_t row = 0; row < m; ++row) {
    float* out_row = out + row * ldo;
    if (epilogue == LinearEpilogue::kGelu) {
      kernels.bias_gelu(bias, out_row, width);
    } else if (bias != nullptr) {
      kernels.add(bias, out_row, width);
    }
  }
}

/** out[0..m, 0..n_rows) (row stride ldo) = x · w[first_row .. first_row + n_rows)ᵀ. */
void RowsDot(const SimdKernels& kernels,
             const float* x,
             int64_t m,
             int64_t k,
             const Tensor& weight,
             int64_t first_row,
             int64_t n_rows,
             float* out,
             int64_t ldo) {
  switch (weight.dtype()) {
    case DType::kF32:
      kernels.rows_dot_f32(x, m, k, weight.data<float>() + first_row * k, k, n_rows, out, ldo);
      return;
    case DType::kF16:
      kernels.rows_dot_f16(x, m, k, weight.data<uint16_t>() + first_row * k, k, n_rows, out, ldo);
      return;
    case DType::kBF16:
      kernels.rows_dot_bf16(x, m, k, weight.data<uint16_t>() + first_row * k, k, n_rows, out, ldo);
      return;
  }
}

void LinearFewRows(CpuContext& context,
                   const float* x,
                   int64_t m,
                   int64_t k,
                   const Tensor& weight,
                   const float* bias,
                   LinearEpilogue epilogue,
                   float* out) {
  const int64_t n = weight.dim(0);
  const SimdKernels& kernels = context.kernels();
  context.ParallelRows(n, kMinWeightRowsPerTask, [&](int64_t begin, int64_t end, int worker) {
    const int64_t width = end - begin;
    if (epilogue == LinearEpilogue::kAccumulate) {
      float* product = context.Scratch(worker, static_cast<std::size_t>(m * width));
      RowsDot(kernels, x, m, k, weight, begin, width, product, width);
      for (int64_t row = 0; row < m; ++row) {
        float* out_row = out + row * n + begin;
        kernels.add(product + row * width, out_row, width);
        if (bias != nullptr)
          kernels.add(bias + begin, out_row, width);
      }
    } else {
      RowsDot(kernels, x, m, k, weight, begin, width, out + begin, n);
      ApplyEpilogue(kernels, bias == nullptr ? nullptr : bias + begin, epilogue, m, width, out + begin, n);
    }
  });
}

/** Rows [first_row, first_row + n_rows) of the weight as f32: in place, or widened into `scratch`. */
const float* WeightTileAsF32(const SimdKernels& kernels,
                             const Tensor& weight,
                             int64_t k,
                             int64_t first_row,
                             int64_t n_rows,
                             float* scratch) {
  const int64_t offset = first_row * k;
  switch (weight.dtype()) {
    case DType::kF32:
      return weight.data<float>() + offset;
    case DType::kF16:
      kernels.f16_to_f32(weight.data<uint16_t>() + offset, scratch, n_rows * k);
      return scratch;
    case DType::kBF16:
      kernels.bf16_to_f32(weight.data<uint16_t>() + offset, scratch, n_rows * k);
      return scratch;
  }
  return nullptr;
}

void LinearManyRows(CpuContext& context,
                    const float* x,
                    int64_t m,
                    int64_t k,
                    const Tensor& weight,
                    const float* bias,
                    LinearEpilogue epilogue,
                    float* out) {
  const int64_t n = weight.dim(0);
  int64_t tile_weight_rows = kTileWeightRows;
  if (weight.dtype() != DType::kF32) {
    const int64_t fitting = kMaxWidenedTileFloats / k / kTileWeightRowsMultiple * kTileWeightRowsMultiple;
    tile_weight_rows = std::max(kTileWeightRowsMultiple, std::min(tile_weight_rows, fitting));
  }
  const int64_t n_row_tiles = (m + kTileRows - 1) / kTileRows;
  const int64_t n_weight_tiles = (n + tile_weight_rows - 1) / tile_weight_rows;
  const float beta = epilogue == LinearEpilogue::kAccumulate ? 1.0f : 0.0f;
  const SimdKernels& kernels = context.kernels();
  context.ParallelFor(n_row_tiles * n_weight_tiles, [&](int64_t task, int worker) {
    const int64_t first_weight_row = task / n_row_tiles * tile_weight_rows;
    const int64_t first_row = task % n_row_tiles * kTileRows;
    const int64_t weight_rows = std::min(tile_weight_rows, n - first_weight_row);
    const int64_t rows = std::min(kTileRows, m - first_row);
    float* scratch = weight.dtype() == DType::kF32
                         ? nullptr
                         : context.Scratch(worker, static_cast<std::size_t>(weight_rows * k));
    const float* w = WeightTileAsF32(kernels, weight, k, first_weight_row, weight_rows, scratch);
    float* out_tile = out + first_row * n + first_weight_row;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(rows),
                static_cast<int>(weight_rows), static_cast<int>(k), 1.0f, x + first_row * k,
                static_cast<int>(k), w, static_cast<int>(k), beta, out_tile, static_cast<int>(n));
    ApplyEpilogue(kernels, bias == nullptr ? nullptr : bias + first_weight_row, epilogue, rows, weight_rows,
                  out_tile, n);
  });
}

}  // namespace

void CpuLinear(CpuContext& context,
               const float* x,
               int64_t m,
               int64_t k,
               const Tensor& weight,
               const float* bias,
               LinearEpilogue epilogue,
               float* out) {
  if (m == 0 || weight.dim(0) == 0)
    return;
  if (m <= kMaxRowsForRowsDot) {
    LinearFewRows(context, x, m, k, weight, bias, epilogue, out);
  } else {
    LinearManyRows(context, x, m, k, weight, bias, epilogue, out);
  }
}

}  // namespace verbatim
