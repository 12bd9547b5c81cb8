// One decoding pass over a batch of windows at one temperature: greedy, sampling (several samples per
// window) or beam search, every row of every window advanced by one decoder call per step. Beams and samples
// are rows of the decoder's batch; beam search reorders the KV cache rows in place.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "backend/backend.h"
#include "backend/cpu/thread_pool.h"
#include "model/decoding/logit_rules.h"
#include "model/decoding/start_sequence.h"
#include "model/whisper_decoder.h"
#include "verbatim/engine.h"

namespace verbatim {

/** One window to decode in a pass. */
struct WindowJob {
  /** Its index in the encoder output (and the decoder's windows). */
  int window = 0;
  StartSequence start;
};

struct PassSettings {
  SpecialTokens special;
  int n_vocab = 0;
  int n_text_ctx = 0;
  /** New tokens per window at most; a sequence also stops at n_text_ctx + 1 tokens with its start. */
  int n_max_new_tokens = 0;
  /** 0: argmax; > 0: sampling. */
  float temperature = 0.0f;
  /** The temperature's position in the fallback list (part of every sample's seed). */
  int temperature_index = 0;
  /** Beams per window (temperature 0); 0: no beam search. */
  int n_beams = 0;
  float patience = 1.0f;
  /** Rows per window without beam search: 1 greedy, best_of when sampling. */
  int n_samples = 1;
  std::optional<float> length_penalty;
  uint64_t seed = 0;
  /**
   * Greedy and sampled rows are independent within a step: their logit rules, choice and log-probability run
   * on these threads when given (the same results: each row's work is its own). nullptr: one after another.
   */
  ThreadPool* row_threads = nullptr;
};

/** A window's best sequence in a pass. */
struct PassResult {
  std::vector<int32_t> tokens;  // without <|endoftext|>
  double sum_logprob = 0.0;
  float no_speech_prob = 0.0f;
};

/**
 * Decodes `jobs` (in increasing window order, each window at most once) on `decoder`, whose rows it resets.
 * @return one result per job, in order.
 */
std::vector<PassResult> RunDecodingPass(WhisperDecoder& decoder,
                                        Backend& backend,
                                        const LogitRules& rules,
                                        const std::vector<WindowJob>& jobs,
                                        const PassSettings& settings);

/**
 * The language probabilities of `windows` (increasing) after <|startoftranscript|> alone, on `decoder`,
 * whose rows it resets: one vector of n_languages per window.
 */
std::vector<std::vector<float>> DetectLanguages(WhisperDecoder& decoder,
                                                Backend& backend,
                                                const SpecialTokens& special,
                                                const std::vector<int>& windows);

}  // namespace verbatim
