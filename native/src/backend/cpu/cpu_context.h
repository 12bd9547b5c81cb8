// What the CPU backend's operations share: the thread pool, the SIMD kernels chosen for this CPU, and
// per-thread scratch memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "backend/cpu/simd_kernels.h"
#include "backend/cpu/thread_pool.h"

namespace verbatim {

class CpuContext {
 public:
  /**
   * @param n_threads compute threads including the caller; 0 = one per hardware thread available to the
   * process.
   * @param kernels the SIMD level to compute with (tests pin one; the backend uses BestSimdKernels()).
   * Sets OpenBLAS to one thread for the whole process: this pool parallelises every operation, and a second
   * pool of spinning OpenBLAS threads would compete with it for the same cores (see cpu_linear.cc).
   */
  CpuContext(int n_threads, const SimdKernels& kernels);

  int n_threads() const { return pool_.n_threads(); }
  const SimdKernels& kernels() const { return kernels_; }

  /** ThreadPool::ParallelFor: fn(task, worker) for task in [0, n_tasks). */
  void ParallelFor(int64_t n_tasks, const ThreadPool::TaskFunction& fn) { pool_.ParallelFor(n_tasks, fn); }

  /**
   * Splits rows [0, n_rows) into contiguous ranges of at least `min_rows` (fewer tasks for small work, where
   * waking threads costs more than it saves) and runs fn(begin, end, worker) on each, in parallel.
   */
  void ParallelRows(int64_t n_rows, int64_t min_rows, const std::function<void(int64_t, int64_t, int)>& fn);

  /**
   * At least n_floats floats private to `worker` (64-byte aligned, contents undefined), valid until the same
   * worker asks again. Call from inside a task with the task's worker index.
   */
  float* Scratch(int worker, std::size_t n_floats);

 private:
  struct AlignedFree {
    void operator()(float* p) const;
  };
  struct ScratchBuffer {
    std::unique_ptr<float, AlignedFree> data;
    std::size_t capacity = 0;
  };

  ThreadPool pool_;
  const SimdKernels& kernels_;
  std::vector<ScratchBuffer> scratch_;  // one per worker
};

}  // namespace verbatim
