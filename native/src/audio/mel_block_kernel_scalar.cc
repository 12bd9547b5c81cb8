// The block kernel in portable C++: one frame pair per block (L = 1).
#include <algorithm>
#include <cmath>

#include "audio/mel_block_kernel.h"
#include "audio/mel_block_kernel_impl.h"

namespace verbatim {
namespace {

struct ScalarIsa {
  using Doubles = double;
  static constexpr int kDoubleLanes = 1;
  using Floats = float;
  static constexpr int kFloatLanes = 1;

  static Doubles BroadcastDoubles(double value) { return value; }
  static Doubles LoadDoubles(const double* from) { return *from; }
  static void StoreDoubles(double* to, Doubles value) { *to = value; }
  static void LoadHopsTransposed(const float* samples, Doubles* columns) { columns[0] = samples[0]; }
  static void StoreAsFloats(float* to, Doubles value) { *to = static_cast<float>(value); }
  static Floats BroadcastFloats(float value) { return value; }
  static Floats LoadFloats(const float* from) { return *from; }
  static void StoreFloats(float* to, Floats value) { *to = value; }
  static Floats MaxFloats(Floats a, Floats b) { return std::max(a, b); }
  static float ReduceMax(Floats value) { return value; }

  static void SplitMantissa(Floats x, Floats* mantissa, Floats* exponent) {
    int binary_exponent = 0;
    float fraction = std::frexp(x, &binary_exponent);  // in [0.5, 1)
    if (fraction < 0.70710678f) {
      fraction *= 2.0f;
      binary_exponent -= 1;
    }
    *mantissa = fraction;
    *exponent = static_cast<float>(binary_exponent);
  }
};

}  // namespace

const MelBlockKernel& ScalarMelBlockKernel() {
  static const MelBlockKernel kernel{SimdLevel::kScalar, ScalarIsa::kDoubleLanes,
                                     &mel_block_kernel_impl::FillInteriorBlock<ScalarIsa>,
                                     &mel_block_kernel_impl::ComputeBlock<ScalarIsa>};
  return kernel;
}

}  // namespace verbatim
