// cuBLAS and cuBLASLt, loaded at run time. The machines that build verbatim (this project's CI among them)
// may have nvcc and the CUDA runtime but no cuBLAS headers or libraries; the ones that run it on a GPU have
// the CUDA toolkit or the driver plus the cuBLAS libraries. So the engine compiles against the few
// declarations below (values and layouts from cublas_api.h and cublasLt.h of cuBLAS 13) and dlopens
// libcublas when the CUDA backend starts, and libcublasLt for GEMMs with fused epilogues (optional: without
// it those GEMMs run as a cuBLAS GEMM and a kernel).
#pragma once

#include <library_types.h>  // cudaDataType: part of the CUDA runtime headers

#include <cstddef>
#include <cstdint>
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
  /** cublasSetWorkspace_v2: a workspace of the caller's, so that cuBLAS allocates nothing in a graph capture.
   */
  int (*set_workspace)(CublasHandle handle, void* workspace, std::size_t bytes) = nullptr;
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
  /** cublasGemmStridedBatchedEx: `batch` GEMMs whose operands lie `stride_*` elements apart. */
  int (*gemm_strided_batched_ex)(CublasHandle handle,
                                 int transa,
                                 int transb,
                                 int m,
                                 int n,
                                 int k,
                                 const void* alpha,
                                 const void* a,
                                 cudaDataType a_type,
                                 int lda,
                                 int64_t stride_a,
                                 const void* b,
                                 cudaDataType b_type,
                                 int ldb,
                                 int64_t stride_b,
                                 const void* beta,
                                 void* c,
                                 cudaDataType c_type,
                                 int ldc,
                                 int64_t stride_c,
                                 int batch,
                                 int compute_type,
                                 int algo) = nullptr;
};

/**
 * The process's cuBLAS (loaded once: libcublas.so.13, then libcublas.so), or nullptr with `why` saying what
 * failed.
 */
const CublasApi* LoadCublas(std::string* why);

// ---- cuBLASLt (cublasLt.h) ----

struct CublasLtContext;
using CublasLtHandle = CublasLtContext*;
struct CublasLtMatmulDescOpaque;
using CublasLtMatmulDesc = CublasLtMatmulDescOpaque*;
struct CublasLtMatrixLayoutOpaque;
using CublasLtMatrixLayout = CublasLtMatrixLayoutOpaque*;
struct CublasLtPreferenceOpaque;
using CublasLtPreference = CublasLtPreferenceOpaque*;

/** cublasLtMatmulAlgo_t: an algorithm the heuristics chose, opaque. */
struct CublasLtAlgo {
  uint64_t data[8];
};
/** cublasLtMatmulHeuristicResult_t. */
struct CublasLtHeuristicResult {
  CublasLtAlgo algo;
  std::size_t workspace_bytes;
  int state;  // a cublasStatus_t: the other fields hold only when it is kCublasStatusSuccess
  float waves_count;
  int reserved[4];
};
static_assert(sizeof(CublasLtAlgo) == 64 && sizeof(CublasLtHeuristicResult) == 96,
              "the layouts of cublasLt.h (cuBLAS 12 and 13)");

/** cublasLtMatmulDescAttributes_t values. */
enum CublasLtMatmulDescAttribute : int {
  kCublasLtMatmulDescTransA = 3,       // int32_t cublasOperation_t
  kCublasLtMatmulDescTransB = 4,       // int32_t cublasOperation_t
  kCublasLtMatmulDescEpilogue = 7,     // uint32_t cublasLtEpilogue_t
  kCublasLtMatmulDescBiasPointer = 8,  // const void*
};
/** cublasLtEpilogue_t values. */
enum CublasLtEpilogue : uint32_t {
  kCublasLtEpilogueBias = 4,       // D = A·B + bias, bias[row of D] broadcast over D's columns
  kCublasLtEpilogueGeluBias = 36,  // D = gelu(A·B + bias), GELU's tanh approximation
};
/** cublasLtMatmulPreferenceAttributes_t values. */
enum CublasLtPreferenceAttribute : int {
  kCublasLtPrefMaxWorkspaceBytes = 1,   // uint64_t
  kCublasLtPrefMinAlignmentABytes = 5,  // uint32_t, and B, C, D after it: default 256
  kCublasLtPrefMinAlignmentBBytes = 6,
  kCublasLtPrefMinAlignmentCBytes = 7,
  kCublasLtPrefMinAlignmentDBytes = 8,
};

struct CublasLtApi {
  int (*create)(CublasLtHandle* handle) = nullptr;
  int (*destroy)(CublasLtHandle handle) = nullptr;
  int (*matmul_desc_create)(CublasLtMatmulDesc* desc, int compute_type, cudaDataType scale_type) = nullptr;
  int (*matmul_desc_destroy)(CublasLtMatmulDesc desc) = nullptr;
  int (*matmul_desc_set_attribute)(CublasLtMatmulDesc desc,
                                   int attribute,
                                   const void* value,
                                   std::size_t size) = nullptr;
  int (*matrix_layout_create)(
      CublasLtMatrixLayout* layout, cudaDataType type, uint64_t rows, uint64_t columns, int64_t ld) = nullptr;
  int (*matrix_layout_destroy)(CublasLtMatrixLayout layout) = nullptr;
  int (*preference_create)(CublasLtPreference* preference) = nullptr;
  int (*preference_destroy)(CublasLtPreference preference) = nullptr;
  int (*preference_set_attribute)(CublasLtPreference preference,
                                  int attribute,
                                  const void* value,
                                  std::size_t size) = nullptr;
  int (*algo_get_heuristic)(CublasLtHandle handle,
                            CublasLtMatmulDesc desc,
                            CublasLtMatrixLayout a,
                            CublasLtMatrixLayout b,
                            CublasLtMatrixLayout c,
                            CublasLtMatrixLayout d,
                            CublasLtPreference preference,
                            int requested,
                            CublasLtHeuristicResult* results,
                            int* returned) = nullptr;
  int (*matmul)(CublasLtHandle handle,
                CublasLtMatmulDesc desc,
                const void* alpha,
                const void* a,
                CublasLtMatrixLayout a_layout,
                const void* b,
                CublasLtMatrixLayout b_layout,
                const void* beta,
                const void* c,
                CublasLtMatrixLayout c_layout,
                void* d,
                CublasLtMatrixLayout d_layout,
                const CublasLtAlgo* algo,
                void* workspace,
                std::size_t workspace_bytes,
                void* stream) = nullptr;
};

/**
 * The process's cuBLASLt (loaded once: libcublasLt.so.13, .so.12, then libcublasLt.so), or nullptr with
 * `why` saying what failed.
 */
const CublasLtApi* LoadCublasLt(std::string* why);

/** "CUBLAS_STATUS_…" for a status code (cuBLAS and cuBLASLt share them). */
const char* CublasStatusName(int status);

}  // namespace verbatim
