// The CPU backend: OpenBLAS GEMM, SIMD kernels chosen at run time, and one thread pool for every operation.
#pragma once

#include <atomic>
#include <memory>

#include "backend/backend.h"
#include "backend/cpu/cpu_context.h"

namespace verbatim {

class CpuBackend : public Backend {
 public:
  /**
   * @param n_threads compute threads including the caller; 0 = one per hardware thread available to the
   * process.
   * @param kernels the SIMD level to use; the default is the best this CPU runs (tests pin others).
   * @throws Error kInvalidArg for n_threads < 0.
   */
  explicit CpuBackend(int n_threads, const SimdKernels& kernels = BestSimdKernels());

  std::string name() const override { return "cpu"; }
  Device device() const override { return Device::kCpu; }
  int n_threads() const override { return context_.n_threads(); }

  /** f32 only: the CPU computes every activation and cache in f32 (kv_cache_dtype() is f32). */
  Tensor Allocate(const std::vector<int64_t>& shape, DType dtype = DType::kF32) override;
  Tensor PrepareWeight(const Tensor& host_weight, WeightUse use) override;
  std::size_t weight_copy_bytes() const override { return weight_copy_bytes_.load(); }
  void Upload(const float* host, Tensor& dst) override;
  void Download(const Tensor& src, float* host) override;

  void Linear(const Tensor& x,
              const Tensor& weight,
              const Tensor& bias,
              LinearEpilogue epilogue,
              Tensor& out) override;
  void LayerNorm(const Tensor& x, const Tensor& gain, const Tensor& offset, Tensor& out) override;
  void Transpose(const Tensor& x, Tensor& out) override;
  void Conv1dGelu(
      const Tensor& x, const Tensor& weight, const Tensor& bias, int stride, Tensor& out) override;
  void AddPositionalEmbedding(const Tensor& table, const int* first_positions, Tensor& x) override;
  void EmbedTokens(const int32_t* tokens, const Tensor& table, Tensor& out) override;
  void Attention(const Tensor& q,
                 const Tensor& k,
                 const Tensor& v,
                 int n_heads,
                 const int* past_lengths,
                 Tensor& out) override;
  void CopyRows(const Tensor& src,
                const int* src_first_rows,
                int n_rows,
                const int* dst_first_rows,
                Tensor& dst) override;

 private:
  CpuContext context_;
  std::atomic<std::size_t> weight_copy_bytes_{0};
};

}  // namespace verbatim
