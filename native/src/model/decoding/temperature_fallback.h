// OpenAI transcribe()'s temperature fallback: which decoded windows to decode again at the next
// temperature, and which are silence.
#pragma once

#include <optional>

namespace verbatim {

struct FallbackThresholds {
  std::optional<float> compression_ratio;
  std::optional<float> logprob;
  std::optional<float> no_speech;
};

/**
 * Too repetitive (compression ratio above its threshold) or too unlikely (average logprob below its
 * threshold) — unless the window is probably silent: no-speech probability above its threshold together
 * with a low logprob.
 */
bool NeedsFallback(const FallbackThresholds& thresholds,
                   double compression_ratio,
                   double avg_logprob,
                   double no_speech_prob);

/**
 * transcribe()'s skip: the no-speech probability is above its threshold and the average logprob is not
 * above the logprob threshold.
 */
bool IsSilent(const FallbackThresholds& thresholds, double avg_logprob, double no_speech_prob);

}  // namespace verbatim
