// OpenAI's MaximumLikelihoodRanker: which of a window's finished sequences (beams, samples) wins.
#pragma once

#include <optional>
#include <vector>

namespace verbatim {

/** A finished candidate: its length (tokens without <|endoftext|>) and the sum of its log-probabilities. */
struct RankedCandidate {
  int length = 0;
  double sum_logprob = 0.0;
};

/**
 * The index of the best candidate by sum_logprob / penalty, the first among equals: penalty = length
 * without a length_penalty, else ((5 + length) / 6)^length_penalty (Google NMT).
 */
int BestCandidate(const std::vector<RankedCandidate>& candidates, std::optional<float> length_penalty);

}  // namespace verbatim
