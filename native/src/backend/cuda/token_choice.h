// A decoding step's choice with Whisper's logit rules on the GPU (CudaBackend::ChooseTokens): a block a row
// reads the row's logits once, leaving out what the rules suppress, and keeps the best text token, the best
// timestamp token and each part's log-sum-exp; from those it decides the timestamp rule's "a timestamp when
// the timestamps outweigh the likeliest text token", the best token and its log-probability. Beam search's
// further choices (k > 1) are further passes over the row, each taking the best column not yet taken. The
// host gets k tokens and floats a row instead of the whole row (51,866 floats).
#pragma once

#include <cstdint>

#include "backend/cuda/cuda_kernels.h"

namespace verbatim::cuda_kernels {

/** The rules (Backend's LogitRuleValues) but for the suppressed ids, as a kernel argument. */
struct TokenRuleValues {
  bool suppress_blank = false;
  int32_t blank = -1;
  int32_t end_of_text = -1;
  bool timestamps = false;
  int32_t no_timestamps = -1;
  int32_t timestamp_begin = -1;
  int32_t max_initial_timestamp_index = -1;  // < 0: no limit
};

/** The most tokens a row may ask for (beam search's n_beams + 1). */
constexpr int kMaxChosenTokens = 32;

/**
 * For each row r < n_rows of logits [n_rows, n_vocab] (f32, device): the rules given the row's history —
 * histories[4r … 4r+3] = tokens after its start sequence, the last, the one before it, the latest timestamp
 * (-1: none) — then tokens[r·k + i] for i < k (1 ≤ k ≤ kMaxChosenTokens): the ruled row's k largest
 * logits' columns, largest first and the lower column first among equals, and logprobs[r·k + i] their
 * log-softmax over the ruled row, both device memory. `suppressed` holds n_suppressed ids in [0, n_vocab).
 */
void ChooseRowTokens(const float* logits,
                     int64_t n_rows,
                     int64_t n_vocab,
                     const TokenRuleValues& rules,
                     const IntArray& suppressed,
                     int64_t n_suppressed,
                     const IntArray& histories,
                     int k,
                     int32_t* tokens,
                     float* logprobs,
                     Stream stream);

}  // namespace verbatim::cuda_kernels
