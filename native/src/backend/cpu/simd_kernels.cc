#include "backend/cpu/simd_kernels.h"

#include <cstdlib>
#include <cstring>

#include "core/fail.h"

namespace verbatim {

const char* SimdLevelName(SimdLevel level) {
  switch (level) {
    case SimdLevel::kScalar:
      return "scalar";
    case SimdLevel::kAvx2:
      return "avx2";
    case SimdLevel::kAvx512:
      return "avx512";
  }
  return "?";
}

bool CpuSupports(SimdLevel level) {
#if defined(__x86_64__) || defined(__i386__)
  // libgcc's checks include the OS's XSAVE state (XCR0), not only CPUID.
  switch (level) {
    case SimdLevel::kScalar:
      return true;
    case SimdLevel::kAvx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
             __builtin_cpu_supports("f16c");
    case SimdLevel::kAvx512:
      return CpuSupports(SimdLevel::kAvx2) && __builtin_cpu_supports("avx512f") &&
             __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512dq");
  }
  return false;
#else
  return level == SimdLevel::kScalar;
#endif
}

const SimdKernels& SimdKernelsFor(SimdLevel level) {
  if (!CpuSupports(level)) {
    Fail(ErrorCode::kBackend, "SimdKernelsFor", "this CPU cannot run the ", SimdLevelName(level), " kernels");
  }
  switch (level) {
    case SimdLevel::kAvx512:
      return Avx512SimdKernels();
    case SimdLevel::kAvx2:
      return Avx2SimdKernels();
    case SimdLevel::kScalar:
      break;
  }
  return ScalarSimdKernels();
}

namespace {

SimdLevel ChooseSimdLevel() {
  const char* requested = std::getenv("VERBATIM_SIMD");
  if (requested != nullptr && *requested != '\0') {
    for (SimdLevel level : {SimdLevel::kScalar, SimdLevel::kAvx2, SimdLevel::kAvx512}) {
      if (std::strcmp(requested, SimdLevelName(level)) == 0)
        return level;
    }
    Fail(ErrorCode::kBackend, "BestSimdKernels", "VERBATIM_SIMD must be scalar, avx2 or avx512: ", requested);
  }
  if (CpuSupports(SimdLevel::kAvx512))
    return SimdLevel::kAvx512;
  if (CpuSupports(SimdLevel::kAvx2))
    return SimdLevel::kAvx2;
  return SimdLevel::kScalar;
}

}  // namespace

const SimdKernels& BestSimdKernels() {
  static const SimdKernels& best = SimdKernelsFor(ChooseSimdLevel());
  return best;
}

}  // namespace verbatim
