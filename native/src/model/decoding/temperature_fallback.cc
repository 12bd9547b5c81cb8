#include "model/decoding/temperature_fallback.h"

namespace verbatim {

bool NeedsFallback(const FallbackThresholds& thresholds,
                   double compression_ratio,
                   double avg_logprob,
                   double no_speech_prob) {
  const bool low_logprob = thresholds.logprob && avg_logprob < *thresholds.logprob;
  bool needs = low_logprob;
  if (thresholds.compression_ratio && compression_ratio > *thresholds.compression_ratio)
    needs = true;
  if (thresholds.no_speech && no_speech_prob > *thresholds.no_speech && low_logprob)
    needs = false;
  return needs;
}

bool IsSilent(const FallbackThresholds& thresholds, double avg_logprob, double no_speech_prob) {
  if (!thresholds.no_speech || !(no_speech_prob > *thresholds.no_speech))
    return false;
  return !(thresholds.logprob && avg_logprob > *thresholds.logprob);
}

}  // namespace verbatim
