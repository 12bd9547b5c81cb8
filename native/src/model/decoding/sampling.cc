#include "model/decoding/sampling.h"

#include <cmath>
#include <vector>

#include "model/decoding/greedy.h"

namespace verbatim {
namespace {

/** splitmix64's output function: a bijective mix of all 64 bits. */
uint64_t Mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

constexpr uint64_t kGoldenGamma = 0x9e3779b97f4a7c15ULL;

}  // namespace

uint64_t SequenceSeed(uint64_t seed, int window, int sample, int temperature_index) {
  uint64_t h = Mix(seed + kGoldenGamma);
  for (const int part : {window, sample, temperature_index})
    h = Mix(h ^ (static_cast<uint64_t>(static_cast<uint32_t>(part)) + kGoldenGamma));
  return h;
}

double TokenSampler::NextUniform() {
  state_ += kGoldenGamma;
  return static_cast<double>(Mix(state_) >> 11) * 0x1.0p-53;
}

int32_t TokenSampler::Sample(const float* logits, int n_vocab, float temperature) {
  const double max = logits[ArgmaxToken(logits, n_vocab)];
  std::vector<double> weights(static_cast<std::size_t>(n_vocab));
  double total = 0.0;
  for (int id = 0; id < n_vocab; ++id) {
    weights[id] = std::exp((static_cast<double>(logits[id]) - max) / temperature);
    total += weights[id];
  }
  const double target = NextUniform() * total;
  double cumulative = 0.0;
  int32_t last_possible = 0;
  for (int32_t id = 0; id < n_vocab; ++id) {
    if (weights[id] == 0.0)
      continue;
    cumulative += weights[id];
    last_possible = id;
    if (target < cumulative)
      return id;
  }
  return last_possible;  // rounding left the target at the very top
}

}  // namespace verbatim
