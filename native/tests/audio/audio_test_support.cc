#include "audio/audio_test_support.h"

#include <cstdlib>

#include "audio/mel_block_kernel.h"

namespace verbatim::test_support {

std::vector<const MelBlockKernel*> SupportedMelBlockKernels() {
  std::vector<const MelBlockKernel*> kernels;
  for (SimdLevel level : {SimdLevel::kScalar, SimdLevel::kAvx2, SimdLevel::kAvx512}) {
    if (CpuSupports(level))
      kernels.push_back(&MelBlockKernelFor(level));
  }
  return kernels;
}

std::string ShellQuote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

bool RunShell(const std::string& command) {
  return std::system(command.c_str()) == 0;
}

std::string RepoPath(const std::string& relative) {
  return std::string(VERBATIM_REPO_ROOT) + "/" + relative;
}

}  // namespace verbatim::test_support
