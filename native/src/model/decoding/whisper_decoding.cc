#include "model/decoding/whisper_decoding.h"

#include <cmath>
#include <limits>
#include <numeric>

#include "core/fail.h"
#include "model/decoding/decoding_pass.h"
#include "model/decoding/language_detection.h"
#include "model/decoding/logit_rules.h"
#include "model/decoding/start_sequence.h"
#include "model/decoding/temperature_fallback.h"
#include "model/decoding/timestamp_rules.h"
#include "model/whisper_decoder.h"

namespace verbatim {
namespace {

constexpr const char* kDecode = "Model::Decode";
/** More beams or samples per window than anyone decodes with. */
constexpr int kMaxGroup = 64;

void CheckTokens(const std::vector<int32_t>& tokens, int n_vocab, const char* name, int window) {
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] < 0 || tokens[i] >= n_vocab) {
      Fail(ErrorCode::kInvalidArg, kDecode, "windows[", window, "].", name, "[", i,
           "] must be a token id in [0, ", n_vocab, "): ", tokens[i]);
    }
  }
}

void CheckFinite(const std::optional<float>& value, const char* name) {
  if (value && !std::isfinite(*value))
    Fail(ErrorCode::kInvalidArg, kDecode, name, " must be finite: ", *value);
}

int MaxNewTokens(const DecodeParams& params, const ModelDims& dims) {
  return params.n_max_new_tokens > 0 ? params.n_max_new_tokens : dims.n_text_ctx / 2;
}

}  // namespace

void CheckDecodeParams(const DecodeParams& params,
                       const ModelDims& dims,
                       const SpecialTokens& special,
                       int n_windows,
                       bool has_token_bytes) {
  if (!params.windows.empty() && static_cast<int>(params.windows.size()) != n_windows) {
    Fail(ErrorCode::kInvalidArg, kDecode, "windows must be empty or hold one entry per window (", n_windows,
         "): ", params.windows.size());
  }
  if (!special.multilingual && params.task == DecodeParams::Task::kTranslate)
    Fail(ErrorCode::kInvalidArg, kDecode, "an English-only model cannot translate");
  for (std::size_t w = 0; w < params.windows.size(); ++w) {
    const DecodeWindow& window = params.windows[w];
    const int index = static_cast<int>(w);
    if (window.language_token != -1) {
      if (!special.multilingual) {
        Fail(ErrorCode::kInvalidArg, kDecode, "windows[", w,
             "].language_token must be -1 for an English-only model: ", window.language_token);
      }
      if (window.language_token < special.first_language ||
          window.language_token >= special.first_language + special.n_languages) {
        Fail(ErrorCode::kInvalidArg, kDecode, "windows[", w,
             "].language_token must be -1 or a language token in [", special.first_language, ", ",
             special.first_language + special.n_languages, "): ", window.language_token);
      }
    }
    CheckTokens(window.previous_tokens, dims.n_vocab, "previous_tokens", index);
    CheckTokens(window.hotword_tokens, dims.n_vocab, "hotword_tokens", index);
    CheckTokens(window.prefix_tokens, dims.n_vocab, "prefix_tokens", index);
    const std::size_t start = BuildStartSequence(special, dims.n_text_ctx, window, special.first_language,
                                                 params.task, params.timestamps)
                                  .tokens.size();
    if (start >= static_cast<std::size_t>(dims.n_text_ctx)) {
      Fail(ErrorCode::kInvalidArg, kDecode, "windows[", w, "] starts with ", start,
           " tokens (prompt, hotwords, prefix): no room left in n_text_ctx ", dims.n_text_ctx);
    }
  }
  if (params.n_max_new_tokens < 0 || params.n_max_new_tokens > dims.n_text_ctx) {
    Fail(ErrorCode::kInvalidArg, kDecode, "n_max_new_tokens must be in [0, n_text_ctx ", dims.n_text_ctx,
         "]: ", params.n_max_new_tokens);
  }
  if (params.temperatures.empty())
    Fail(ErrorCode::kInvalidArg, kDecode, "temperatures must hold at least one temperature");
  for (std::size_t i = 0; i < params.temperatures.size(); ++i) {
    const float t = params.temperatures[i];
    if (!std::isfinite(t) || t < 0.0f)
      Fail(ErrorCode::kInvalidArg, kDecode, "temperatures[", i, "] must be finite and >= 0: ", t);
  }
  if (params.n_beams < 0 || params.n_beams > kMaxGroup)
    Fail(ErrorCode::kInvalidArg, kDecode, "n_beams must be in [0, ", kMaxGroup, "]: ", params.n_beams);
  if (!std::isfinite(params.patience) || params.patience <= 0.0f)
    Fail(ErrorCode::kInvalidArg, kDecode, "patience must be finite and > 0: ", params.patience);
  if (params.n_beams > 0 && std::nearbyint(params.n_beams * static_cast<double>(params.patience)) < 1) {
    Fail(ErrorCode::kInvalidArg, kDecode,
         "patience must keep round(n_beams * patience) >= 1: ", params.patience);
  }
  if (params.length_penalty && !(*params.length_penalty >= 0.0f && *params.length_penalty <= 1.0f))
    Fail(ErrorCode::kInvalidArg, kDecode, "length_penalty must be in [0, 1]: ", *params.length_penalty);
  if (params.n_best_of < 1 || params.n_best_of > kMaxGroup)
    Fail(ErrorCode::kInvalidArg, kDecode, "n_best_of must be in [1, ", kMaxGroup, "]: ", params.n_best_of);
  for (std::size_t i = 0; i < params.suppress_tokens.size(); ++i) {
    if (params.suppress_tokens[i] < 0 || params.suppress_tokens[i] >= dims.n_vocab) {
      Fail(ErrorCode::kInvalidArg, kDecode, "suppress_tokens[", i, "] must be a token id in [0, ",
           dims.n_vocab, "): ", params.suppress_tokens[i]);
    }
  }
  if (params.max_initial_timestamp_s &&
      !(*params.max_initial_timestamp_s >= 0.0f && std::isfinite(*params.max_initial_timestamp_s))) {
    Fail(ErrorCode::kInvalidArg, kDecode,
         "max_initial_timestamp_s must be finite and >= 0: ", *params.max_initial_timestamp_s);
  }
  CheckFinite(params.compression_ratio_threshold, "compression_ratio_threshold");
  CheckFinite(params.logprob_threshold, "logprob_threshold");
  CheckFinite(params.no_speech_threshold, "no_speech_threshold");
  if (params.compression_ratio_threshold && params.temperatures.size() > 1 && !has_token_bytes) {
    Fail(
        ErrorCode::kInvalidArg, kDecode,
        "a fallback on compression_ratio_threshold needs the tokens' bytes: call SetTokenBytes, or unset the "
        "threshold: ",
        *params.compression_ratio_threshold);
  }
}

std::vector<std::vector<float>> DetectWindowLanguages(Backend& backend,
                                                      const WhisperWeights& weights,
                                                      const Tensor& frames,
                                                      const SpecialTokens& special) {
  WhisperDecoder decoder(backend, weights, frames);
  std::vector<int> windows(static_cast<std::size_t>(decoder.n_windows()));
  std::iota(windows.begin(), windows.end(), 0);
  return DetectLanguages(decoder, backend, special, windows);
}

std::vector<DecodeResult> DecodeWindows(Backend& backend,
                                        const WhisperWeights& weights,
                                        const Tensor& frames,
                                        const SpecialTokens& special,
                                        const DecodeParams& params,
                                        const TokenBytes* token_bytes,
                                        ThreadPool* row_threads) {
  const ModelDims& dims = weights.dims;
  WhisperDecoder decoder(backend, weights, frames);
  const int n_windows = decoder.n_windows();
  const std::vector<DecodeWindow> windows =
      params.windows.empty() ? std::vector<DecodeWindow>(static_cast<std::size_t>(n_windows))
                             : params.windows;
  std::vector<DecodeResult> results(static_cast<std::size_t>(n_windows));

  if (special.multilingual) {
    std::vector<int> undetermined;
    for (int w = 0; w < n_windows; ++w) {
      if (windows[w].language_token == -1)
        undetermined.push_back(w);
      else
        results[w].language_token = windows[w].language_token;
    }
    std::vector<std::vector<float>> probabilities = DetectLanguages(decoder, backend, special, undetermined);
    for (std::size_t i = 0; i < undetermined.size(); ++i) {
      DecodeResult& result = results[undetermined[i]];
      result.language_token = LikeliestLanguage(special, probabilities[i]);
      result.language_probs = std::move(probabilities[i]);
    }
  }

  std::optional<TimestampRules> timestamp_rules;
  if (params.timestamps) {
    std::optional<int> max_initial;
    if (params.max_initial_timestamp_s)
      max_initial = TimestampIndex(*params.max_initial_timestamp_s);
    timestamp_rules.emplace(special, max_initial);
  }
  const LogitRules rules(special, params.suppress_blank,
                         AlwaysSuppressedTokens(special, params.suppress_tokens), timestamp_rules);
  const FallbackThresholds thresholds{params.compression_ratio_threshold, params.logprob_threshold,
                                      params.no_speech_threshold};

  std::vector<WindowJob> pending;
  for (int w = 0; w < n_windows; ++w) {
    pending.push_back({w, BuildStartSequence(special, dims.n_text_ctx, windows[w], results[w].language_token,
                                             params.task, params.timestamps)});
  }
  PassSettings settings;
  settings.special = special;
  settings.n_vocab = dims.n_vocab;
  settings.n_text_ctx = dims.n_text_ctx;
  settings.n_max_new_tokens = MaxNewTokens(params, dims);
  settings.patience = params.patience;
  settings.length_penalty = params.length_penalty;
  settings.seed = params.seed;
  settings.row_threads = row_threads;
  for (std::size_t t = 0; t < params.temperatures.size() && !pending.empty(); ++t) {
    // As transcribe() does: beam search only at temperature 0, best_of only above it.
    settings.temperature = params.temperatures[t];
    settings.temperature_index = static_cast<int>(t);
    settings.n_beams = settings.temperature == 0.0f ? params.n_beams : 0;
    settings.n_samples = settings.temperature > 0.0f ? params.n_best_of : 1;
    std::vector<PassResult> pass = RunDecodingPass(decoder, backend, rules, pending, settings);
    std::vector<WindowJob> failing;
    for (std::size_t j = 0; j < pending.size(); ++j) {
      DecodeResult& result = results[pending[j].window];
      result.tokens = std::move(pass[j].tokens);
      result.sum_logprob = pass[j].sum_logprob;
      result.avg_logprob = pass[j].sum_logprob / static_cast<double>(result.tokens.size() + 1);
      result.no_speech_prob = pass[j].no_speech_prob;
      result.temperature = settings.temperature;
      result.compression_ratio =
          token_bytes == nullptr ? std::numeric_limits<float>::quiet_NaN()
                                 : static_cast<float>(CompressionRatio(NormalizeDecodedText(
                                       token_bytes->Concatenate(result.tokens, special.timestamp_begin))));
      if (NeedsFallback(thresholds, result.compression_ratio, result.avg_logprob, result.no_speech_prob))
        failing.push_back(std::move(pending[j]));
    }
    pending = std::move(failing);
  }
  for (DecodeResult& result : results)
    result.silent = IsSilent(thresholds, result.avg_logprob, result.no_speech_prob);
  return results;
}

}  // namespace verbatim
