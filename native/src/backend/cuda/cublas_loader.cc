#include "backend/cuda/cublas_loader.h"

#include <dlfcn.h>

#include <initializer_list>

namespace verbatim {
namespace {

template <typename Api>
struct Loaded {
  Api api;
  bool ok = false;
  std::string why;
};

template <typename Function>
bool Resolve(void* library, const char* library_name, const char* symbol, Function* out, std::string* why) {
  *out = reinterpret_cast<Function>(dlsym(library, symbol));
  if (*out == nullptr)
    *why = std::string(library_name) + " lacks " + symbol;
  return *out != nullptr;
}

/** The first of `names` that loads, or nullptr with `why` naming the first and dlerror's reason. */
void* OpenFirst(std::initializer_list<const char*> names, const char* what, std::string* why) {
  for (const char* name : names) {
    if (void* library = dlopen(name, RTLD_NOW | RTLD_LOCAL); library != nullptr)
      return library;
  }
  const char* error = dlerror();
  *why = std::string("cannot load ") + what + " (" + *names.begin() +
         "): " + (error != nullptr ? error : "not found");
  return nullptr;
}

Loaded<CublasApi> LoadCublasOnce() {
  Loaded<CublasApi> loaded;
  constexpr const char* kName = "libcublas";
  void* library = OpenFirst({"libcublas.so.13", "libcublas.so.12", "libcublas.so"}, "cuBLAS", &loaded.why);
  if (library == nullptr)
    return loaded;
  CublasApi& api = loaded.api;
  loaded.ok =
      Resolve(library, kName, "cublasCreate_v2", &api.create, &loaded.why) &&
      Resolve(library, kName, "cublasDestroy_v2", &api.destroy, &loaded.why) &&
      Resolve(library, kName, "cublasSetStream_v2", &api.set_stream, &loaded.why) &&
      Resolve(library, kName, "cublasSetWorkspace_v2", &api.set_workspace, &loaded.why) &&
      Resolve(library, kName, "cublasGemmEx", &api.gemm_ex, &loaded.why) &&
      Resolve(library, kName, "cublasGemmStridedBatchedEx", &api.gemm_strided_batched_ex, &loaded.why);
  return loaded;  // the library stays loaded for the life of the process
}

Loaded<CublasLtApi> LoadCublasLtOnce() {
  Loaded<CublasLtApi> loaded;
  constexpr const char* kName = "libcublasLt";
  void* library =
      OpenFirst({"libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so"}, "cuBLASLt", &loaded.why);
  if (library == nullptr)
    return loaded;
  CublasLtApi& api = loaded.api;
  std::string& why = loaded.why;
  loaded.ok =
      Resolve(library, kName, "cublasLtCreate", &api.create, &why) &&
      Resolve(library, kName, "cublasLtDestroy", &api.destroy, &why) &&
      Resolve(library, kName, "cublasLtMatmulDescCreate", &api.matmul_desc_create, &why) &&
      Resolve(library, kName, "cublasLtMatmulDescDestroy", &api.matmul_desc_destroy, &why) &&
      Resolve(library, kName, "cublasLtMatmulDescSetAttribute", &api.matmul_desc_set_attribute, &why) &&
      Resolve(library, kName, "cublasLtMatrixLayoutCreate", &api.matrix_layout_create, &why) &&
      Resolve(library, kName, "cublasLtMatrixLayoutDestroy", &api.matrix_layout_destroy, &why) &&
      Resolve(library, kName, "cublasLtMatmulPreferenceCreate", &api.preference_create, &why) &&
      Resolve(library, kName, "cublasLtMatmulPreferenceDestroy", &api.preference_destroy, &why) &&
      Resolve(library, kName, "cublasLtMatmulPreferenceSetAttribute", &api.preference_set_attribute, &why) &&
      Resolve(library, kName, "cublasLtMatmulAlgoGetHeuristic", &api.algo_get_heuristic, &why) &&
      Resolve(library, kName, "cublasLtMatmul", &api.matmul, &why);
  return loaded;
}

template <typename Api>
const Api* Result(const Loaded<Api>& loaded, std::string* why) {
  if (!loaded.ok && why != nullptr)
    *why = loaded.why;
  return loaded.ok ? &loaded.api : nullptr;
}

}  // namespace

const CublasApi* LoadCublas(std::string* why) {
  static const Loaded<CublasApi> loaded = LoadCublasOnce();
  return Result(loaded, why);
}

const CublasLtApi* LoadCublasLt(std::string* why) {
  static const Loaded<CublasLtApi> loaded = LoadCublasLtOnce();
  return Result(loaded, why);
}

const char* CublasStatusName(int status) {
  switch (status) {
    case 0:
      return "CUBLAS_STATUS_SUCCESS";
    case 1:
      return "CUBLAS_STATUS_NOT_INITIALIZED";
    case 3:
      return "CUBLAS_STATUS_ALLOC_FAILED";
    case 7:
      return "CUBLAS_STATUS_INVALID_VALUE";
    case 8:
      return "CUBLAS_STATUS_ARCH_MISMATCH";
    case 11:
      return "CUBLAS_STATUS_MAPPING_ERROR";
    case 13:
      return "CUBLAS_STATUS_EXECUTION_FAILED";
    case 14:
      return "CUBLAS_STATUS_INTERNAL_ERROR";
    case 15:
      return "CUBLAS_STATUS_NOT_SUPPORTED";
    default:
      return "CUBLAS_STATUS_UNKNOWN";
  }
}

}  // namespace verbatim
