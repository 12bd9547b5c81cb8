#include "backend/create_backend.h"

#include <cstdlib>

#include "backend/cpu/cpu_backend.h"
#include "core/fail.h"
#ifdef VERBATIM_WITH_CUDA
#include "backend/cuda/cuda_backend.h"
#endif

namespace verbatim {
namespace {

constexpr const char* kOperation = "CreateBackend";

/** GPU index of "cuda" (0) or "cuda:N"; -1 for a name that is not a CUDA device. */
int CudaIndex(const std::string& device) {
  if (device == "cuda")
    return 0;
  if (device.rfind("cuda:", 0) != 0 || device.size() == 5)
    return -1;
  char* end = nullptr;
  const long index = std::strtol(device.c_str() + 5, &end, 10);
  return *end == '\0' && index >= 0 && index < 1024 ? static_cast<int>(index) : -1;
}

}  // namespace

bool CudaCompiledIn() {
#ifdef VERBATIM_WITH_CUDA
  return true;
#else
  return false;
#endif
}

BackendChoice CreateBackend(const std::string& device, int n_threads, const std::string& gpu_memory) {
  BackendChoice choice;
  if (gpu_memory != "fast" && gpu_memory != "lean")
    Fail(ErrorCode::kInvalidArg, kOperation, "gpu_memory must be fast or lean: ", gpu_memory);
  const int cuda_index = CudaIndex(device);
  if (device != "cpu" && device != "auto" && cuda_index < 0)
    Fail(ErrorCode::kInvalidArg, kOperation, "unknown device (expected cpu, cuda, cuda:N or auto): ", device);
  if (device == "cpu") {
    choice.backend = std::make_unique<CpuBackend>(n_threads);
    return choice;
  }
#ifdef VERBATIM_WITH_CUDA
  std::string why;
  if (CudaBackendAvailable(&why)) {
    CudaBackendOptions options;
    options.lean_memory = gpu_memory == "lean";
    choice.backend = std::make_unique<CudaBackend>(cuda_index < 0 ? 0 : cuda_index, options);
    return choice;
  }
#else
  const std::string why = "this build has no CUDA backend (nvcc was not found when it was compiled)";
#endif
  if (cuda_index >= 0)
    Fail(ErrorCode::kBackend, kOperation, "device ", device, " is not available: ", why);
  choice.backend = std::make_unique<CpuBackend>(n_threads);
  choice.note = "running on the CPU: " + why;
  return choice;
}

}  // namespace verbatim
