// What the CUDA backend's source files share: CUDA error checks, dtype codes, environment switches and the
// parts of a decoder step's operation signatures (step_graph.h).
#pragma once

#include <cuda_runtime.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <string>

#include "backend/cuda/cublas_loader.h"
#include "core/fail.h"
#include "tensor/tensor.h"

namespace verbatim {

/** The stream and cuBLAS handle, shared with every tensor the backend allocated (they free in stream order).
 */
struct CudaStreamState {
  int device = 0;
  cudaStream_t stream = nullptr;
  CublasHandle cublas = nullptr;
  const CublasApi* api = nullptr;
  cudaMemPool_t pool = nullptr;
  std::atomic<std::size_t> weight_bytes{0};

  ~CudaStreamState() {
    if (stream != nullptr) {
      cudaSetDevice(device);
      cudaStreamSynchronize(stream);
      if (cublas != nullptr)
        api->destroy(cublas);
      cudaStreamDestroy(stream);
    }
  }
};

/** An address as a part of a step's signature. */
inline uint64_t Id(const void* pointer) {
  return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(pointer));
}

/** The operations that can be in a step, as the first part of their signatures. */
enum class StepOperation : uint64_t {
  kLinear = 1,
  kLayerNorm,
  kAddPositionalEmbedding,
  kEmbedTokens,
  kAttention,
  kCopyRows,
  kCrossAttention,
};

inline uint64_t Part(StepOperation operation) {
  return static_cast<uint64_t>(operation);
}
inline uint64_t Part(DType dtype) {
  return static_cast<uint64_t>(dtype);
}
inline uint64_t Part(int64_t extent) {
  return static_cast<uint64_t>(extent);
}

inline void CheckCuda(cudaError_t status, const char* operation, const char* what) {
  if (status == cudaSuccess)
    return;
  cudaGetLastError();  // clear a non-sticky error so the next call is not blamed for it
  const ErrorCode code = status == cudaErrorMemoryAllocation ? ErrorCode::kOom : ErrorCode::kBackend;
  Fail(code, operation, what, ": ", cudaGetErrorName(status), " (", cudaGetErrorString(status), ")");
}

inline void CheckLaunch(const char* operation) {
  CheckCuda(cudaGetLastError(), operation, "kernel launch");
}

/** Whether environment variable `name` is set to `value`. */
inline bool EnvironmentSays(const char* name, const char* value) {
  const char* set = std::getenv(name);
  return set != nullptr && std::strcmp(set, value) == 0;
}

/**
 * Environment variable `name`'s value, one of `allowed`, or "" when unset or empty.
 * @throws Error kInvalidArg naming the variable, its value and the allowed ones.
 */
inline std::string EnvironmentChoice(const char* name, std::initializer_list<const char*> allowed) {
  const char* set = std::getenv(name);
  if (set == nullptr || *set == '\0')
    return "";
  std::string options;
  for (const char* value : allowed) {
    if (std::strcmp(set, value) == 0)
      return value;
    options += std::string(options.empty() ? "" : " or ") + value;
  }
  Fail(ErrorCode::kInvalidArg, "CudaBackend", name, " must be ", options, ": \"", set, "\"");
}

inline cudaDataType CudaTypeOf(DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return CUDA_R_32F;
    case DType::kF16:
      return CUDA_R_16F;
    case DType::kBF16:
      return CUDA_R_16BF;
  }
  return CUDA_R_32F;
}

}  // namespace verbatim
