#include "model/decoding/language_detection.h"

#include <algorithm>
#include <cmath>

namespace verbatim {

std::vector<float> LanguageProbabilities(const SpecialTokens& special, const float* logits) {
  const float* languages = logits + special.first_language;
  const double max = *std::max_element(languages, languages + special.n_languages);
  std::vector<double> weights(static_cast<std::size_t>(special.n_languages));
  double total = 0.0;
  for (int i = 0; i < special.n_languages; ++i) {
    weights[i] = std::exp(languages[i] - max);
    total += weights[i];
  }
  std::vector<float> probabilities(weights.size());
  for (std::size_t i = 0; i < weights.size(); ++i)
    probabilities[i] = static_cast<float>(weights[i] / total);
  return probabilities;
}

int32_t LikeliestLanguage(const SpecialTokens& special, const std::vector<float>& probabilities) {
  const auto best = std::max_element(probabilities.begin(), probabilities.end());
  return special.first_language + static_cast<int32_t>(best - probabilities.begin());
}

}  // namespace verbatim
