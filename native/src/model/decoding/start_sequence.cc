#include "model/decoding/start_sequence.h"

#include <algorithm>

namespace verbatim {

StartSequence BuildStartSequence(const SpecialTokens& special,
                                 int n_text_ctx,
                                 const DecodeWindow& window,
                                 int32_t language_token,
                                 DecodeParams::Task task,
                                 bool timestamps) {
  const std::size_t half = static_cast<std::size_t>(std::max(n_text_ctx / 2 - 1, 0));
  const bool hotwords = !window.hotword_tokens.empty() && window.prefix_tokens.empty();
  StartSequence start;
  std::vector<int32_t>& tokens = start.tokens;
  if (!window.previous_tokens.empty() || hotwords) {
    tokens.push_back(special.start_of_prev);
    if (hotwords) {
      const std::size_t n = std::min(half, window.hotword_tokens.size());
      tokens.insert(tokens.end(), window.hotword_tokens.begin(), window.hotword_tokens.begin() + n);
    }
    const std::size_t n = std::min(half, window.previous_tokens.size());
    tokens.insert(tokens.end(), window.previous_tokens.end() - n, window.previous_tokens.end());
  }
  start.start_of_transcript_index = static_cast<int>(tokens.size());
  tokens.push_back(special.start_of_transcript);
  if (special.multilingual) {
    tokens.push_back(language_token);
    tokens.push_back(task == DecodeParams::Task::kTranslate ? special.translate : special.transcribe);
  }
  if (!timestamps)
    tokens.push_back(special.no_timestamps);
  const std::size_t n = std::min(half, window.prefix_tokens.size());
  tokens.insert(tokens.end(), window.prefix_tokens.end() - n, window.prefix_tokens.end());
  return start;
}

}  // namespace verbatim
