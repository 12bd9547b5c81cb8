// Where Whisper's special tokens sit in each of its vocabularies: the vocabulary's size decides it.
#pragma once

#include <optional>

#include "verbatim/engine.h"

namespace verbatim {

/** Timestamp tokens <|0.00|> … <|30.00|>: the last ids of every Whisper vocabulary. */
constexpr int kTimestampTokens = 1501;
/** Seconds between consecutive timestamp tokens. */
constexpr double kTimestampPrecisionS = 0.02;

/**
 * The special tokens of a vocabulary of n_vocab tokens: 51864 (English-only), 51865 (99 languages), 51866
 * (100 languages); nullopt for any other size.
 */
std::optional<SpecialTokens> WhisperSpecialTokens(int n_vocab);

}  // namespace verbatim
