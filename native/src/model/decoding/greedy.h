// Greedy decoding's choice, and the log-probabilities every strategy accumulates.
#pragma once

#include <cstdint>

namespace verbatim {

/** The id of the largest logit; the lowest id among equals (torch.argmax). */
int32_t ArgmaxToken(const float* logits, int n_vocab);

/** log Σ exp(logits), in double; -inf when every logit is -inf. */
double LogSumExp(const float* logits, int n_vocab);

/**
 * log softmax(logits)[token] given the row's LogSumExp: what a chosen token adds to its sequence's sum
 * (computed on the filtered logits at temperature 1, as OpenAI does whatever the sampling temperature).
 */
inline double TokenLogProb(const float* logits, int32_t token, double log_sum_exp) {
  return static_cast<double>(logits[token]) - log_sum_exp;
}

}  // namespace verbatim
