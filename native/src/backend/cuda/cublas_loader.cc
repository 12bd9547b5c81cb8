#include "backend/cuda/cublas_loader.h"

#include <dlfcn.h>

#include <mutex>

namespace verbatim {
namespace {

struct Loaded {
  CublasApi api;
  bool ok = false;
  std::string why;
};

template <typename Function>
bool Resolve(void* library, const char* symbol, Function* out, std::string* why) {
  *out = reinterpret_cast<Function>(dlsym(library, symbol));
  if (*out == nullptr)
    *why = std::string("libcublas lacks ") + symbol;
  return *out != nullptr;
}

Loaded LoadOnce() {
  Loaded loaded;
  void* library = nullptr;
  for (const char* name : {"libcublas.so.13", "libcublas.so.12", "libcublas.so"}) {
    library = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (library != nullptr)
      break;
  }
  if (library == nullptr) {
    const char* error = dlerror();
    loaded.why =
        std::string("cannot load cuBLAS (libcublas.so.13): ") + (error != nullptr ? error : "not found");
    return loaded;
  }
  CublasApi& api = loaded.api;
  loaded.ok = Resolve(library, "cublasCreate_v2", &api.create, &loaded.why) &&
              Resolve(library, "cublasDestroy_v2", &api.destroy, &loaded.why) &&
              Resolve(library, "cublasSetStream_v2", &api.set_stream, &loaded.why) &&
              Resolve(library, "cublasGemmEx", &api.gemm_ex, &loaded.why);
  return loaded;  // the library stays loaded for the life of the process
}

}  // namespace

const CublasApi* LoadCublas(std::string* why) {
  static const Loaded loaded = LoadOnce();
  if (!loaded.ok && why != nullptr)
    *why = loaded.why;
  return loaded.ok ? &loaded.api : nullptr;
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
