// cuBLAS, loaded at run time. The machines that build verbatim (this project's CI among them) may have nvcc
// and the CUDA runtime but no cuBLAS headers or libraries; the ones that run it on a GPU have the CUDA
// toolkit or the driver plus the cuBLAS library. So the engine compiles against the few declarations below
// (values from the cuBLAS API reference) and dlopens libcublas when the CUDA backend starts.
#pragma once

#include <library_types.h>  // cudaDataType: part of the CUDA runtime headers

#include <string>

namespace verbatim {

struct CublasContext;
using CublasHandle = CublasContext*;

enum CublasOperation : int { kCublasOpN = 0, kCublasOpT = 1 };
/** cublasComputeType_t values. */
enum CublasCompute : int { kCublasCompute32F = 68 };
constexpr int kCublasGemmDefault = -1;
constexpr int kCublasStatusSuccess = 0;

struct CublasApi {
  int (*create)(CublasHandle* handle) = nullptr;
  int (*destroy)(CublasHandle handle) = nullptr;
  int (*set_stream)(CublasHandle handle, void* stream) = nullptr;
  int (*gemm_ex)(CublasHandle handle,
                 int transa,
                 int transb,
                 int m,
                 int n,
                 int k,
                 const void* alpha,
                 const void* a,
                 cudaDataType a_type,
                 int lda,
                 const void* b,
                 cudaDataType b_type,
                 int ldb,
                 const void* beta,
                 void* c,
                 cudaDataType c_type,
                 int ldc,
                 int compute_type,
                 int algo) = nullptr;
};

/**
 * The process's cuBLAS (loaded once: libcublas.so.13, then libcublas.so), or nullptr with `why` saying what
 * failed.
 */
const CublasApi* LoadCublas(std::string* why);

/** "CUBLAS_STATUS_…" for a status code. */
const char* CublasStatusName(int status);

}  // namespace verbatim
