#include "model/decoding/logit_rules.h"

#include <algorithm>
#include <limits>

namespace verbatim {
namespace {

constexpr float kMinusInfinity = -std::numeric_limits<float>::infinity();

}  // namespace

void SuppressTokens(const std::vector<int32_t>& ids, float* logits) {
  for (const int32_t id : ids)
    logits[id] = kMinusInfinity;
}

void SuppressBlank(const SpecialTokens& special, int n_sampled, float* logits) {
  if (n_sampled != 0)
    return;
  logits[special.blank] = kMinusInfinity;
  logits[special.end_of_text] = kMinusInfinity;
}

std::vector<int32_t> AlwaysSuppressedTokens(const SpecialTokens& special, const std::vector<int32_t>& extra) {
  std::vector<int32_t> ids = extra;
  ids.insert(ids.end(), {special.start_of_transcript, special.translate, special.transcribe,
                         special.start_of_lm, special.start_of_prev, special.no_speech});
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

LogitRules::LogitRules(const SpecialTokens& special,
                       bool suppress_blank,
                       std::vector<int32_t> suppressed,
                       std::optional<TimestampRules> timestamps)
    : special_(special),
      suppress_blank_(suppress_blank),
      suppressed_(std::move(suppressed)),
      timestamps_(std::move(timestamps)) {}

void LogitRules::Apply(const int32_t* sampled, int n_sampled, float* logits, int n_vocab) const {
  if (suppress_blank_)
    SuppressBlank(special_, n_sampled, logits);
  SuppressTokens(suppressed_, logits);
  if (timestamps_)
    timestamps_->Apply(sampled, n_sampled, logits, n_vocab);
}

}  // namespace verbatim
