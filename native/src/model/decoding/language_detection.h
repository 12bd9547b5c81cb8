// Language detection as OpenAI's detect_language: the decoder's logits after <|startoftranscript|> alone,
// softmax over the language tokens only.
#pragma once

#include <cstdint>
#include <vector>

#include "verbatim/engine.h"

namespace verbatim {

/** softmax over logits[first_language, first_language + n_languages), in double: n_languages values. */
std::vector<float> LanguageProbabilities(const SpecialTokens& special, const float* logits);

/** The likeliest language's token (the first among equals, as argmax is). */
int32_t LikeliestLanguage(const SpecialTokens& special, const std::vector<float>& probabilities);

}  // namespace verbatim
