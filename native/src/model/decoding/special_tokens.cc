#include "model/decoding/special_tokens.h"

namespace verbatim {
namespace {

/** The GPT-2 byte-pair vocabulary of English-only models ends with <|endoftext|> at 50256. */
constexpr int kEnglishEndOfText = 50256;
/** The multilingual vocabulary has one more regular token. */
constexpr int kMultilingualEndOfText = 50257;
constexpr int kLanguagesBeforeV3 = 99;

}  // namespace

std::optional<SpecialTokens> WhisperSpecialTokens(int n_vocab) {
  SpecialTokens tokens;
  tokens.multilingual = n_vocab >= 51865;
  tokens.end_of_text = tokens.multilingual ? kMultilingualEndOfText : kEnglishEndOfText;
  tokens.start_of_transcript = tokens.end_of_text + 1;
  tokens.first_language = tokens.start_of_transcript + 1;
  // English-only vocabularies still hold the 99 language tokens; the model just never uses them.
  const int n_language_tokens = kLanguagesBeforeV3 + (n_vocab >= 51866 ? 1 : 0);
  tokens.n_languages = tokens.multilingual ? n_language_tokens : 0;
  tokens.translate = tokens.first_language + n_language_tokens;
  tokens.transcribe = tokens.translate + 1;
  tokens.start_of_lm = tokens.translate + 2;
  tokens.start_of_prev = tokens.translate + 3;
  tokens.no_speech = tokens.translate + 4;
  tokens.no_timestamps = tokens.translate + 5;
  tokens.timestamp_begin = tokens.translate + 6;
  if (tokens.timestamp_begin + kTimestampTokens != n_vocab)
    return std::nullopt;
  return tokens;
}

}  // namespace verbatim
