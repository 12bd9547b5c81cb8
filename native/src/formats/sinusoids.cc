#include "formats/sinusoids.h"

#include <cmath>
#include <vector>

#include "core/fail.h"

namespace verbatim {

// The longest period of Whisper's positional sinusoids, in positions.
constexpr double kMaxTimescale = 10000.0;

Tensor WhisperSinusoids(int n_positions, int n_channels) {
  if (n_channels < 4 || n_channels % 2 != 0) {
    Fail(ErrorCode::kModelLoad, "WeightStore", "sinusoid table needs an even width of at least 4, got ",
         n_channels);
  }
  const int half = n_channels / 2;
  const double increment = std::log(kMaxTimescale) / (half - 1);
  std::vector<double> inverse_timescales(half);
  for (int j = 0; j < half; ++j)
    inverse_timescales[j] = std::exp(-increment * j);

  Tensor table = Tensor::Zeros(DType::kF32, {n_positions, n_channels});
  float* out = table.data<float>();
  for (int t = 0; t < n_positions; ++t) {
    float* row = out + static_cast<std::size_t>(t) * n_channels;
    for (int j = 0; j < half; ++j) {
      const double angle = t * inverse_timescales[j];
      row[j] = static_cast<float>(std::sin(angle));
      row[half + j] = static_cast<float>(std::cos(angle));
    }
  }
  return table;
}

}  // namespace verbatim
