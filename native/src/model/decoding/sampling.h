// Sampling a token from softmax(logits / temperature) with a seeded, portable random stream: the same seed
// draws the same tokens on every machine and standard library.
#pragma once

#include <cstdint>

namespace verbatim {

/**
 * The seed of one sequence's stream: a hash of the decode's seed, the window, the sample within the window
 * and the temperature's position in the fallback list. A window's tokens so depend on neither the batch it
 * is in nor the order of work.
 */
uint64_t SequenceSeed(uint64_t seed, int window, int sample, int temperature_index);

class TokenSampler {
 public:
  explicit TokenSampler(uint64_t seed) : state_(seed) {}

  /** Draws from softmax(logits / temperature) (temperature > 0); -inf logits are never drawn. */
  int32_t Sample(const float* logits, int n_vocab, float temperature);

  /** A uniform double in [0, 1) from the top 53 bits of the next output. */
  double NextUniform();

 private:
  uint64_t state_;  // splitmix64
};

}  // namespace verbatim
