#include "decode_options.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "args.h"
#include "errors.h"

namespace verbatim::binding {
namespace {

constexpr const char* kOperation = "decode";
/** Largest integer a double holds exactly: the seed's range. */
constexpr double kMaxSafeInteger = 9007199254740991.0;

class OptionReader {
 public:
  OptionReader(Napi::Env env, Napi::Object object, std::string prefix)
      : env_(env), object_(object), prefix_(std::move(prefix)) {}

  bool Bool(const char* key) const {
    const Napi::Value value = object_.Get(key);
    if (!value.IsBoolean())
      Fail(key, "a boolean", value);
    return value.As<Napi::Boolean>().Value();
  }

  double Number(const char* key, double min, double max) const {
    const Napi::Value value = object_.Get(key);
    const double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : NAN;
    if (!(number >= min && number <= max)) {
      Fail(key, ("a number in [" + std::to_string(min) + ", " + std::to_string(max) + "]").c_str(), value);
    }
    return number;
  }

  int Int(const char* key, int min, int max) const {
    const double number = Number(key, min, max);
    if (std::floor(number) != number)
      Fail(key, "an integer", object_.Get(key));
    return static_cast<int>(number);
  }

  /** null → nullopt. */
  std::optional<float> OptionalFloat(const char* key) const {
    const Napi::Value value = object_.Get(key);
    if (value.IsNull())
      return std::nullopt;
    const double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : NAN;
    if (!std::isfinite(number))
      Fail(key, "a finite number or null", value);
    return static_cast<float>(number);
  }

  std::string String(const char* key) const {
    const Napi::Value value = object_.Get(key);
    if (!value.IsString())
      Fail(key, "a string", value);
    return value.As<Napi::String>().Utf8Value();
  }

  Napi::Array Array(const char* key) const {
    const Napi::Value value = object_.Get(key);
    if (!value.IsArray())
      Fail(key, "an Array", value);
    return value.As<Napi::Array>();
  }

  std::vector<int32_t> Tokens(const char* key) const {
    const Napi::Array array = Array(key);
    std::vector<int32_t> tokens(array.Length());
    for (uint32_t i = 0; i < array.Length(); ++i) {
      const Napi::Value value = array.Get(i);
      const double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : NAN;
      if (!(std::floor(number) == number && number >= 0 && number <= std::numeric_limits<int32_t>::max()))
        Fail((std::string(key) + "[" + std::to_string(i) + "]").c_str(), "a token id", value);
      tokens[i] = static_cast<int32_t>(number);
    }
    return tokens;
  }

  [[noreturn]] void Fail(const char* key, const char* expected, const Napi::Value& value) const {
    ThrowError(env_, ErrorCode::kInvalidArg,
               std::string("[") + kOperation + "] " + prefix_ + key + " must be " + expected + ": got " +
                   DescribeValue(value));
  }

 private:
  Napi::Env env_;
  Napi::Object object_;
  std::string prefix_;
};

DecodeWindow ReadWindow(Napi::Env env, const Napi::Value& value, uint32_t index) {
  const std::string prefix = "options.windows[" + std::to_string(index) + "].";
  if (!value.IsObject()) {
    ThrowError(env, ErrorCode::kInvalidArg,
               std::string("[decode] ") + prefix.substr(0, prefix.size() - 1) + " must be an object: got " +
                   DescribeValue(value));
  }
  const OptionReader reader(env, value.As<Napi::Object>(), prefix);
  DecodeWindow window;
  window.language_token = reader.Int("languageToken", -1, std::numeric_limits<int32_t>::max());
  window.previous_tokens = reader.Tokens("previousTokens");
  window.hotword_tokens = reader.Tokens("hotwordTokens");
  window.prefix_tokens = reader.Tokens("prefixTokens");
  return window;
}

}  // namespace

DecodeParams ReadDecodeParams(Napi::Env env, const Napi::Object& options) {
  const OptionReader reader(env, options, "options.");
  DecodeParams params;
  const std::string task = reader.String("task");
  if (task != "transcribe" && task != "translate")
    reader.Fail("task", "\"transcribe\" or \"translate\"", options.Get("task"));
  params.task = task == "translate" ? DecodeParams::Task::kTranslate : DecodeParams::Task::kTranscribe;
  params.timestamps = reader.Bool("timestamps");
  const Napi::Array windows = reader.Array("windows");
  for (uint32_t i = 0; i < windows.Length(); ++i)
    params.windows.push_back(ReadWindow(env, windows.Get(i), i));
  params.n_max_new_tokens = reader.Int("maxNewTokens", 0, std::numeric_limits<int>::max());
  const Napi::Array temperatures = reader.Array("temperatures");
  params.temperatures.clear();
  for (uint32_t i = 0; i < temperatures.Length(); ++i) {
    const Napi::Value value = temperatures.Get(i);
    if (!value.IsNumber())
      reader.Fail(("temperatures[" + std::to_string(i) + "]").c_str(), "a number", value);
    params.temperatures.push_back(value.As<Napi::Number>().FloatValue());
  }
  params.n_beams = reader.Int("beamSize", 0, std::numeric_limits<int>::max());
  params.patience = static_cast<float>(reader.Number("patience", 0, std::numeric_limits<float>::max()));
  params.length_penalty = reader.OptionalFloat("lengthPenalty");
  params.n_best_of = reader.Int("bestOf", 1, std::numeric_limits<int>::max());
  params.seed = static_cast<uint64_t>(reader.Number("seed", 0, kMaxSafeInteger));
  params.suppress_blank = reader.Bool("suppressBlank");
  params.suppress_tokens = reader.Tokens("suppressTokens");
  params.max_initial_timestamp_s = reader.OptionalFloat("maxInitialTimestamp");
  params.compression_ratio_threshold = reader.OptionalFloat("compressionRatioThreshold");
  params.logprob_threshold = reader.OptionalFloat("logprobThreshold");
  params.no_speech_threshold = reader.OptionalFloat("noSpeechThreshold");
  return params;
}

Napi::Array DecodeResultsToJs(Napi::Env env, const std::vector<DecodeResult>& results) {
  Napi::Array out = Napi::Array::New(env, results.size());
  for (std::size_t i = 0; i < results.size(); ++i) {
    const DecodeResult& result = results[i];
    Napi::Object object = Napi::Object::New(env);
    Napi::Int32Array tokens = Napi::Int32Array::New(env, result.tokens.size());
    std::copy(result.tokens.begin(), result.tokens.end(), tokens.Data());
    object.Set("tokens", tokens);
    object.Set("sumLogprob", result.sum_logprob);
    object.Set("avgLogprob", result.avg_logprob);
    object.Set("noSpeechProb", result.no_speech_prob);
    object.Set("compressionRatio", result.compression_ratio);
    object.Set("temperature", result.temperature);
    object.Set("languageToken", result.language_token);
    if (result.language_probs.empty()) {
      object.Set("languageProbs", env.Null());
    } else {
      Napi::Float32Array probs = Napi::Float32Array::New(env, result.language_probs.size());
      std::copy(result.language_probs.begin(), result.language_probs.end(), probs.Data());
      object.Set("languageProbs", probs);
    }
    object.Set("silent", result.silent);
    out.Set(static_cast<uint32_t>(i), object);
  }
  return out;
}

Napi::Object SpecialTokensToJs(Napi::Env env, const SpecialTokens& special) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("multilingual", special.multilingual);
  out.Set("endOfText", special.end_of_text);
  out.Set("startOfTranscript", special.start_of_transcript);
  out.Set("firstLanguage", special.first_language);
  out.Set("nLanguages", special.n_languages);
  out.Set("translate", special.translate);
  out.Set("transcribe", special.transcribe);
  out.Set("startOfLm", special.start_of_lm);
  out.Set("startOfPrev", special.start_of_prev);
  out.Set("noSpeech", special.no_speech);
  out.Set("noTimestamps", special.no_timestamps);
  out.Set("timestampBegin", special.timestamp_begin);
  out.Set("blank", special.blank);
  return out;
}

}  // namespace verbatim::binding
