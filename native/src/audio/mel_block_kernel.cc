#include "audio/mel_block_kernel.h"

#include "core/fail.h"

namespace verbatim {

const MelBlockKernel& MelBlockKernelFor(SimdLevel level) {
  if (!CpuSupports(level)) {
    Fail(ErrorCode::kBackend, "MelBlockKernelFor", "this CPU cannot run the ", SimdLevelName(level),
         " kernel");
  }
  switch (level) {
    case SimdLevel::kAvx512:
      return Avx512MelBlockKernel();
    case SimdLevel::kAvx2:
      return Avx2MelBlockKernel();
    case SimdLevel::kScalar:
      break;
  }
  return ScalarMelBlockKernel();
}

const MelBlockKernel& BestMelBlockKernel() {
  static const MelBlockKernel& best = MelBlockKernelFor(BestSimdKernels().level);
  return best;
}

}  // namespace verbatim
