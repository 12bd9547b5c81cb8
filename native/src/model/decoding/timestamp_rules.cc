#include "model/decoding/timestamp_rules.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "backend/cpu/simd_kernels.h"
#include "model/decoding/special_tokens.h"

namespace verbatim {
namespace {

constexpr float kMinusInfinity = -std::numeric_limits<float>::infinity();

void SuppressRange(float* logits, int32_t first, int32_t end) {
  if (first < end)
    std::fill(logits + first, logits + end, kMinusInfinity);
}

}  // namespace

TimestampRules::TimestampRules(const SpecialTokens& special, std::optional<int> max_initial_timestamp_index)
    : special_(special), max_initial_timestamp_index_(max_initial_timestamp_index) {}

int TimestampIndex(double seconds) {
  // Beyond the last timestamp every timestamp is allowed anyway; clamping keeps the conversion defined.
  return static_cast<int>(
      std::clamp(std::nearbyint(seconds / kTimestampPrecisionS), 0.0, static_cast<double>(kTimestampTokens)));
}

void TimestampRules::Apply(const int32_t* sampled, int n_sampled, float* logits, int n_vocab) const {
  const int32_t begin = special_.timestamp_begin;
  logits[special_.no_timestamps] = kMinusInfinity;

  const bool last_was_timestamp = n_sampled >= 1 && sampled[n_sampled - 1] >= begin;
  const bool penultimate_was_timestamp = n_sampled < 2 || sampled[n_sampled - 2] >= begin;
  if (last_was_timestamp) {
    if (penultimate_was_timestamp)
      SuppressRange(logits, begin, n_vocab);  // a pair just closed: text (or the end) must follow
    else
      SuppressRange(logits, 0, special_.end_of_text);  // a lone timestamp: another one, or the end
  }

  int32_t last_timestamp = -1;
  for (int i = n_sampled - 1; i >= 0 && last_timestamp < 0; --i) {
    if (sampled[i] >= begin)
      last_timestamp = sampled[i];
  }
  if (last_timestamp >= 0) {
    // Never backwards; and a segment's opening timestamp is above the previous closing one, so that every
    // segment has a length (no endless loop on one instant). A closing timestamp may repeat the opening.
    const int32_t lowest_allowed =
        last_was_timestamp && !penultimate_was_timestamp ? last_timestamp : last_timestamp + 1;
    SuppressRange(logits, begin, std::min<int32_t>(lowest_allowed, n_vocab));
  }

  if (n_sampled == 0) {
    SuppressRange(logits, 0, begin);
    if (max_initial_timestamp_index_)
      SuppressRange(logits, std::min<int32_t>(begin + *max_initial_timestamp_index_ + 1, n_vocab), n_vocab);
  }

  // Compare in log space: logsumexp over timestamps against the largest text logit (the log-softmax's
  // normaliser cancels out).
  // Once a row per step over the whole vocabulary: the SIMD kernels (scalar loops were most of a GPU step's
  // host time).
  const SimdKernels& kernels = BestSimdKernels();
  const float max_text = begin > 0 ? logits[kernels.argmax(logits, begin)] : kMinusInfinity;
  float max_timestamp = kMinusInfinity;
  double sum = 0.0;
  kernels.max_and_sum_exp(logits + begin, n_vocab - begin, &max_timestamp, &sum);
  if (max_timestamp == kMinusInfinity)
    return;
  const double timestamp_logsumexp = max_timestamp + std::log(sum);
  if (timestamp_logsumexp > static_cast<double>(max_text))
    SuppressRange(logits, 0, begin);
}

}  // namespace verbatim
