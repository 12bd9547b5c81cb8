// OpenAI's ApplyTimestampRules (transformers' WhisperTimeStampLogitsProcessor): what may follow what once
// timestamps are on.
#pragma once

#include <cstdint>
#include <optional>

#include "verbatim/engine.h"

namespace verbatim {

class TimestampRules {
 public:
  /**
   * @param max_initial_timestamp_index the first timestamp is at most <|timestamp_begin + index|>
   *   (round(max_initial_timestamp_s / 0.02): 50 for 1.0 s); nullopt: no limit.
   */
  TimestampRules(const SpecialTokens& special, std::optional<int> max_initial_timestamp_index);

  /**
   * In place on one row of n_vocab logits, given the row's tokens after its start sequence:
   * - <|notimestamps|> never;
   * - timestamps come in pairs: after a lone timestamp only another timestamp or <|endoftext|> (no text);
   *   after a pair, no timestamp;
   * - timestamps never decrease, and a timestamp that opens a segment is above the last one;
   * - the first token is a timestamp, at most the max initial timestamp;
   * - when the timestamps together are likelier than the likeliest text token, a timestamp it is.
   */
  void Apply(const int32_t* sampled, int n_sampled, float* logits, int n_vocab) const;

  std::optional<int> max_initial_timestamp_index() const { return max_initial_timestamp_index_; }

 private:
  SpecialTokens special_;
  std::optional<int> max_initial_timestamp_index_;
};

/** round(seconds / 0.02), the index OpenAI derives from max_initial_timestamp. */
int TimestampIndex(double seconds);

}  // namespace verbatim
