#include "audio/fft_plan.h"

#include <cmath>

#include "audio/audio_constants.h"

namespace verbatim {
namespace {

// Radix-4 passes first (the cheapest butterfly), then radix 5; the block kernels implement exactly these two.
constexpr int kFrameRadices[] = {4, 4, 5, 5};
static_assert(4 * 4 * 5 * 5 == kFftSize, "the radices must multiply to the frame size");

FftPlan BuildFramePlan() {
  const double pi = std::acos(-1.0);
  FftPlan plan;
  // Twiddles of every stage first (one allocation), pointers into them after: the vector must not move
  // meanwhile.
  std::vector<int> twiddle_offsets;
  int length = kFftSize;
  for (int radix : kFrameRadices) {
    twiddle_offsets.push_back(static_cast<int>(plan.twiddle_storage.size()));
    const int sub_length = length / radix;
    // Real parts of all sub_length · radix twiddles, then the imaginary parts.
    std::vector<double> imaginary(static_cast<std::size_t>(sub_length) * radix);
    for (int p = 0; p < sub_length; p++) {
      for (int k = 0; k < radix; k++) {
        const double angle = -2.0 * pi * p * k / length;
        plan.twiddle_storage.push_back(std::cos(angle));
        imaginary[static_cast<std::size_t>(p) * radix + k] = std::sin(angle);
      }
    }
    plan.twiddle_storage.insert(plan.twiddle_storage.end(), imaginary.begin(), imaginary.end());
    length = sub_length;
  }
  int stride = 1;
  length = kFftSize;
  for (std::size_t i = 0; i < std::size(kFrameRadices); i++) {
    FftStage stage;
    stage.radix = kFrameRadices[i];
    stage.sub_length = length / stage.radix;
    stage.stride = stride;
    stage.twiddle_re = plan.twiddle_storage.data() + twiddle_offsets[i];
    stage.twiddle_im = stage.twiddle_re + stage.sub_length * stage.radix;
    plan.stages.push_back(stage);
    stride *= stage.radix;
    length = stage.sub_length;
  }
  return plan;
}

}  // namespace

const FftPlan& FramePlan() {
  static const FftPlan plan = BuildFramePlan();
  return plan;
}

}  // namespace verbatim
