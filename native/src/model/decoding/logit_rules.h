// The logit rules of Whisper's decoding, applied in place to one row of logits before a token is chosen, in
// OpenAI's order (SuppressBlank, SuppressTokens, ApplyTimestampRules; transformers' begin-suppress,
// suppress, timestamp processors). A suppressed token's logit becomes -inf.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "backend/backend.h"
#include "model/decoding/timestamp_rules.h"
#include "verbatim/engine.h"

namespace verbatim {

/** Sets logits[id] = -inf for every id (each in [0, n_vocab)). */
void SuppressTokens(const std::vector<int32_t>& ids, float* logits);

/**
 * suppress_blank: at the first new position (n_sampled == 0) neither the blank " " nor <|endoftext|> may
 * start the text.
 */
void SuppressBlank(const SpecialTokens& special, int n_sampled, float* logits);

/**
 * The tokens suppressed at every position: `extra` (the caller's suppress_tokens) plus what OpenAI always
 * adds — <|startoftranscript|>, <|translate|>, <|transcribe|>, <|startoflm|>, <|startofprev|>,
 * <|nocaptions|> — sorted, without duplicates.
 */
std::vector<int32_t> AlwaysSuppressedTokens(const SpecialTokens& special, const std::vector<int32_t>& extra);

/** Every rule of one decoding, in order. Immutable: shared by all rows. */
class LogitRules {
 public:
  /**
   * @param suppressed the ids for SuppressTokens (see AlwaysSuppressedTokens).
   * @param timestamps the timestamp rules, or nullopt without timestamps.
   */
  LogitRules(const SpecialTokens& special,
             bool suppress_blank,
             std::vector<int32_t> suppressed,
             std::optional<TimestampRules> timestamps);

  /**
   * Applies the rules to one row.
   * @param sampled the row's tokens after its start sequence (n_sampled of them).
   * @param logits n_vocab values, changed in place.
   */
  void Apply(const int32_t* sampled, int n_sampled, float* logits, int n_vocab) const;

  /** The same rules as plain values, for a backend that applies them where the logits are. */
  LogitRuleValues ForBackend() const;

 private:
  SpecialTokens special_;
  bool suppress_blank_;
  std::vector<int32_t> suppressed_;
  std::optional<TimestampRules> timestamps_;
};

/** What the rules need of a row's `sampled` tokens (after its start sequence) for
 * Backend::ChooseTokens. */
RowHistory RowHistoryOf(const std::vector<int32_t>& sampled, int32_t timestamp_begin);

}  // namespace verbatim
