// OpenAI's BeamSearchDecoder for one window: n_beams live sequences, each extended by its n_beams + 1
// likeliest tokens; the best n_beams candidates that do not end live on, those ending in <|endoftext|> are
// finished. The window is done once round(n_beams * patience) sequences have finished.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace verbatim {

class BeamSearch {
 public:
  struct Sequence {
    std::vector<int32_t> tokens;  // after the start sequence; finished ones end with <|endoftext|>
    double sum_logprob = 0.0;
  };

  /** @throws Error kInvalidArg unless n_beams >= 1 and round(n_beams * patience) >= 1. */
  BeamSearch(int n_beams, float patience, int32_t end_of_text);

  int n_beams() const { return n_beams_; }
  /** The live sequences, one per decoder row of the window (all start empty). */
  const std::vector<Sequence>& beams() const { return beams_; }
  const std::vector<Sequence>& finished() const { return finished_; }
  bool done() const { return static_cast<int>(finished_.size()) >= max_candidates_; }

  /**
   * One step: `logits[j]` is beam j's row of n_vocab logits after the logit rules. Afterwards beams()[j]
   * continues the old beam sources[j] (what the decoder's KV cache rows must follow) with one more token.
   * Candidates of equal score keep the order they were made in (beam, then likelihood), as Python's stable
   * sort and dict do; equal sequences (the identical beams of the first step) count once.
   */
  void Step(const std::vector<const float*>& logits, int n_vocab, std::vector<int>& sources);

  /** A beam's likeliest next tokens: best first, the lower id first among equals. */
  struct Choice {
    int32_t token = 0;
    double logprob = 0.0;  // log-softmax over the ruled row
  };
  /**
   * Step from each beam's n_beams + 1 likeliest tokens already chosen (choices[j], by a backend that keeps
   * the logits: Backend::ChooseBestTokens), the same step as from the logits.
   */
  void StepFromChoices(const std::vector<std::vector<Choice>>& choices, std::vector<int>& sources);

  /**
   * The candidates to rank: the finished sequences (without <|endoftext|>), topped up with the live beams
   * of the highest sums while fewer than n_beams have finished.
   */
  std::vector<Sequence> Candidates() const;

 private:
  int n_beams_;
  int max_candidates_;
  int32_t end_of_text_;
  std::vector<Sequence> beams_;
  std::vector<Sequence> finished_;
};

}  // namespace verbatim
