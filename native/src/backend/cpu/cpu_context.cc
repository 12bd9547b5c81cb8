#include "backend/cpu/cpu_context.h"

#include <cblas.h>

#include <algorithm>
#include <cstdlib>

#include "core/fail.h"

namespace verbatim {
namespace {

constexpr std::size_t kScratchAlignmentBytes = 64;  // a cache line; what AVX-512 loads like best
// Enough ranges per thread that a thread slowed by another process on its core does not hold the others up.
constexpr int64_t kRangesPerThread = 4;

}  // namespace

void CpuContext::AlignedFree::operator()(float* p) const {
  std::free(p);
}

CpuContext::CpuContext(int n_threads, const SimdKernels& kernels)
    : pool_(n_threads), kernels_(kernels), scratch_(pool_.n_threads()) {
  openblas_set_num_threads(1);
}

void CpuContext::ParallelRows(int64_t n_rows,
                              int64_t min_rows,
                              const std::function<void(int64_t, int64_t, int)>& fn) {
  if (n_rows <= 0)
    return;
  const int64_t max_ranges = std::max<int64_t>(1, n_rows / std::max<int64_t>(1, min_rows));
  const int64_t n_ranges = std::min<int64_t>(max_ranges, n_threads() * kRangesPerThread);
  const int64_t rows_per_range = (n_rows + n_ranges - 1) / n_ranges;
  pool_.ParallelFor(n_ranges, [&](int64_t range, int worker) {
    const int64_t begin = range * rows_per_range;
    const int64_t end = std::min(n_rows, begin + rows_per_range);
    if (begin < end)
      fn(begin, end, worker);
  });
}

float* CpuContext::Scratch(int worker, std::size_t n_floats) {
  ScratchBuffer& buffer = scratch_.at(worker);
  if (buffer.capacity < n_floats) {
    const std::size_t bytes = (n_floats * sizeof(float) + kScratchAlignmentBytes - 1) /
                              kScratchAlignmentBytes * kScratchAlignmentBytes;
    float* memory = static_cast<float*>(std::aligned_alloc(kScratchAlignmentBytes, bytes));
    if (memory == nullptr)
      Fail(ErrorCode::kOom, "CpuContext::Scratch", "cannot allocate bytes: ", bytes);
    buffer.data.reset(memory);
    buffer.capacity = n_floats;
  }
  return buffer.data.get();
}

}  // namespace verbatim
