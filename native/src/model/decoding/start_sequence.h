// The tokens a window's decoding starts from, as OpenAI's DecodingTask builds them (hotwords as
// faster-whisper's get_prompt):
//   [<|startofprev|> hotwords… previous…] <|startoftranscript|> [<|lang|> <|task|>] [<|notimestamps|>]
//   prefix…
#pragma once

#include <cstdint>
#include <vector>

#include "verbatim/engine.h"

namespace verbatim {

struct StartSequence {
  std::vector<int32_t> tokens;
  /** Where <|startoftranscript|> is: its logits give the no-speech probability. */
  int start_of_transcript_index = 0;
};

/**
 * @param language_token the window's language (given or detected); ignored by English-only models.
 * Keeps the last n_text_ctx / 2 - 1 previous tokens, the first n_text_ctx / 2 - 1 hotword tokens (none when
 * there is a prefix) and the last n_text_ctx / 2 - 1 prefix tokens.
 */
StartSequence BuildStartSequence(const SpecialTokens& special,
                                 int n_text_ctx,
                                 const DecodeWindow& window,
                                 int32_t language_token,
                                 DecodeParams::Task task,
                                 bool timestamps);

}  // namespace verbatim
