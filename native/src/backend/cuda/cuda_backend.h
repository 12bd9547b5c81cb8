// The CUDA backend: the Backend interface on one NVIDIA GPU. Weights live in device memory in their stored
// dtype; activations are f32. Linear runs on cuBLAS (fp32 GEMM for f32 weights; f16/bf16 weights take the
// activations narrowed to the same type on tensor cores, accumulating in fp32); attention is one fused kernel
// that never materialises the score matrix. Everything is enqueued on one stream; Download waits for it.
//
// This is the first, correctness-first version: per-call stream-ordered allocations, a warp-per-query
// attention kernel, no CUDA graphs. The speed work (fused flash attention, fp16 activations, graphs) builds
// on its tests.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "backend/backend.h"

namespace verbatim {

struct CudaStreamState;

/** Whether this process can run the CUDA backend; when not, `why` says what is missing. */
bool CudaBackendAvailable(std::string* why);

class CudaBackend final : public Backend {
 public:
  /**
   * A backend on GPU `device_index`.
   * @throws Error kBackend when there is no such GPU, the driver is unusable, or cuBLAS cannot be loaded.
   */
  explicit CudaBackend(int device_index = 0);
  ~CudaBackend() override;

  std::string name() const override { return "cuda"; }
  Device device() const override { return Device::kCuda; }
  int n_threads() const override { return 1; }
  std::string device_name() const override { return device_name_; }
  /** The most device memory in use at once since the backend started (bytes, as the driver reports it). */
  std::size_t peak_device_bytes() const override;

  Tensor Allocate(const std::vector<int64_t>& shape) override;
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
  /** out[M, N] (= or +=) x[M, K] · weight[N, K]ᵀ on cuBLAS; bias and GELU are applied by the caller. */
  void Gemm(const float* x, int64_t m, int64_t k, const Tensor& weight, bool accumulate, float* out);
  /** Device scratch of `bytes`, freed in stream order when the returned owner goes. */
  std::shared_ptr<void> Scratch(std::size_t bytes, const char* operation);
  /** A device copy of a small host int array (kept alive by the returned owner). */
  std::shared_ptr<void> UploadInts(const int* host, int64_t n, const char* operation);

  std::shared_ptr<CudaStreamState> state_;
  std::string device_name_;
  // VERBATIM_CUDA_ATTENTION=tiled: the shared-memory tiled kernel for many-query attention (the encoder),
  // until it has been checked on a GPU; the warp-per-query kernel otherwise.
  bool tiled_attention_ = false;
  std::atomic<std::size_t> weight_copy_bytes_{0};
  std::mutex mutex_;  // operations serialise on the stream and the cuBLAS handle
};

}  // namespace verbatim
