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

LogitRuleValues LogitRules::ForBackend() const {
  LogitRuleValues rules;
  rules.suppress_blank = suppress_blank_;
  rules.blank = special_.blank;
  rules.end_of_text = special_.end_of_text;
  rules.suppressed = suppressed_;
  rules.timestamps = timestamps_.has_value();
  rules.no_timestamps = special_.no_timestamps;
  rules.timestamp_begin = special_.timestamp_begin;
  if (timestamps_ && timestamps_->max_initial_timestamp_index())
    rules.max_initial_timestamp_index = *timestamps_->max_initial_timestamp_index();
  return rules;
}

RowHistory RowHistoryOf(const std::vector<int32_t>& sampled, int32_t timestamp_begin) {
  RowHistory row;
  const auto n = static_cast<int>(sampled.size());
  row.n_sampled = n;
  row.last = n >= 1 ? sampled[n - 1] : -1;
  row.penultimate = n >= 2 ? sampled[n - 2] : -1;
  for (int i = n - 1; i >= 0 && row.last_timestamp < 0; --i) {
    if (sampled[i] >= timestamp_begin)
      row.last_timestamp = sampled[i];
  }
  return row;
}

}  // namespace verbatim
