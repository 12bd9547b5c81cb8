#include "model/decoding/sequence_ranker.h"

#include <cmath>

namespace verbatim {

int BestCandidate(const std::vector<RankedCandidate>& candidates, std::optional<float> length_penalty) {
  int best = 0;
  double best_score = 0.0;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const RankedCandidate& candidate = candidates[i];
    const double penalty = length_penalty ? std::pow((5.0 + candidate.length) / 6.0, *length_penalty)
                                          : static_cast<double>(candidate.length);
    // OpenAI's Python would raise on an empty sequence; here it scores sum / 0 = -inf (nan for a zero sum)
    // and loses to any non-empty one.
    const double score = candidate.sum_logprob / penalty;
    if (i == 0 || score > best_score) {
      best = static_cast<int>(i);
      best_score = score;
    }
  }
  return best;
}

}  // namespace verbatim
