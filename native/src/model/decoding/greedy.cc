#include "model/decoding/greedy.h"

#include <cmath>
#include <limits>

namespace verbatim {

int32_t ArgmaxToken(const float* logits, int n_vocab) {
  int32_t best = 0;
  for (int32_t id = 1; id < n_vocab; ++id) {
    if (logits[id] > logits[best])
      best = id;
  }
  return best;
}

double LogSumExp(const float* logits, int n_vocab) {
  const double max = logits[ArgmaxToken(logits, n_vocab)];
  if (max == -std::numeric_limits<double>::infinity())
    return max;
  double sum = 0.0;
  for (int id = 0; id < n_vocab; ++id)
    sum += std::exp(static_cast<double>(logits[id]) - max);
  return max + std::log(sum);
}

}  // namespace verbatim
