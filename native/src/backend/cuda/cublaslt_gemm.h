// A Linear on 16-bit operands as one cuBLASLt GEMM whose epilogue adds the bias (and, when asked, takes
// GELU), instead of a GEMM followed by a kernel that reads and writes the whole output once more. cuBLASLt
// is optional: where it cannot be loaded, or has no algorithm for a GEMM's shape, types, epilogue or pointer
// alignments, the caller runs the GEMM on cuBLAS and the epilogue as a kernel (CudaBackend::Linear).
//
// Not thread-safe: the CUDA backend calls it under its operation lock.
#pragma once

#include <library_types.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>

#include "backend/cuda/cublas_loader.h"

namespace verbatim {

/** What a fused GEMM does after the product. */
enum class LtEpilogue {
  kBias,          // out (= or +=) x · Wᵀ + bias
  kGeluTanhBias,  // out = gelu(x · Wᵀ + bias) with GELU's tanh approximation: cuBLASLt has no erf GELU
};

/**
 * out[m, n] (= or +=) epilogue(x[m, k] · weight[n, k]ᵀ), every matrix row-major and contiguous: x and weight
 * f16, out f16 or f32, bias [n] of out's type (cuBLASLt wants the bias in D's type). Accumulating (f32 out
 * only: the residual stream) adds the product and the bias to what out holds.
 */
struct LtGemm {
  const void* x = nullptr;
  const void* weight = nullptr;
  void* out = nullptr;
  const void* bias = nullptr;
  int64_t m = 0, n = 0, k = 0;
  cudaDataType out_type = CUDA_R_16F;
  bool accumulate = false;
  LtEpilogue epilogue = LtEpilogue::kBias;
};

class CublasLtGemms {
 public:
  /** Workspace bytes a GEMM may use (cuBLAS's own default on Hopper); Run's `workspace` holds this many. */
  static constexpr std::size_t kWorkspaceBytes = std::size_t{32} << 20;

  /** cuBLASLt on the current device, or null when it cannot be loaded or started (`why` says which). */
  static std::unique_ptr<CublasLtGemms> Create(std::string* why);
  ~CublasLtGemms();
  CublasLtGemms(const CublasLtGemms&) = delete;
  CublasLtGemms& operator=(const CublasLtGemms&) = delete;

  /**
   * Whether cuBLASLt has an algorithm for `gemm`: its shape, out type, epilogue, and the alignment of each
   * pointer (an algorithm may need up to 256 bytes). The heuristics are asked once per such combination and
   * their answer kept. When not, `why_not` (if given) says why, for the profile. A bias that is not 16-byte
   * aligned is refused without asking.
   * @throws Error kBackend when cuBLASLt fails to build a descriptor (a bug, not a missing algorithm).
   */
  bool Supports(const LtGemm& gemm, std::string* why_not = nullptr);

  /**
   * Enqueues `gemm` on `stream` (a cudaStream_t); Supports(gemm) must have said yes.
   * @throws Error kBackend naming the shape and the status when cublasLtMatmul fails.
   */
  void Run(const LtGemm& gemm, void* workspace, void* stream);

 private:
  /** A GEMM's descriptors and the algorithm the heuristics chose for them (none: `usable` false). */
  struct Plan;
  /** What decides a plan: m, n, k, out type, epilogue, and the alignments of x, weight, out and bias. */
  using PlanKey = std::tuple<int64_t, int64_t, int64_t, int, int, uint32_t, uint32_t, uint32_t, uint32_t>;

  CublasLtGemms(const CublasLtApi* api, CublasLtHandle handle);  // in the .cc, where Plan is complete
  static PlanKey KeyOf(const LtGemm& gemm);
  Plan& PlanFor(const LtGemm& gemm);
  std::unique_ptr<Plan> MakePlan(const LtGemm& gemm);
  void Check(int status, const LtGemm& gemm, const char* call) const;

  const CublasLtApi* api_;
  CublasLtHandle handle_;
  std::map<PlanKey, std::unique_ptr<Plan>> plans_;
};

}  // namespace verbatim
