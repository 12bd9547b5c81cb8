// Model::Decode end to end on random weights of a tiny-shaped model: batching never changes a window's
// tokens, beam search's sums are the log-probabilities a fresh decoder computes for its tokens (so the KV
// cache rows followed their beams), sampling repeats itself for a seed, the fallback walks the temperatures,
// language detection, and bad parameters fail naming themselves. (Token parity with transformers:
// packages/mlx-engine.)
#include "model/decoding/whisper_decoding.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <string>

#include "backend/cpu/cpu_backend.h"
#include "backend/cpu/thread_pool.h"
#include "backend/create_backend.h"
#include "backend/test_data.h"
#include "engine/whisper_model.h"
#include "model/decoding/compression_ratio.h"
#include "model/decoding/greedy.h"
#include "model/decoding/logit_rules.h"
#include "model/decoding/special_tokens.h"
#include "model/in_memory_weight_store.h"
#include "model/whisper_encoder.h"
#include "model/whisper_weights.h"

namespace verbatim {
namespace {

using testing::InMemoryWeightStore;
using testing::RandomFloats;

constexpr int kFrames = 3000;
constexpr int kMels = 80;

class WhisperDecodingTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ModelDims dims;  // tiny's widths and vocabulary, 2 encoder layers and 1 decoder layer
    dims.n_audio_layer = 2;
    dims.n_text_layer = 1;
    ModelLoadParams params;
    params.n_threads = 2;
    model_ = CreateWhisperModel(InMemoryWeightStore::RandomWhisper(dims, 4321), params).release();
    const std::vector<float> mel = RandomFloats(2 * kMels * kFrames, 7, -1.0f, 1.5f);
    both_ = model_->Encode(mel.data(), 2).release();
    first_ = model_->Encode(mel.data(), 1).release();
    second_ = model_->Encode(mel.data() + kMels * kFrames, 1).release();
  }
  static void TearDownTestSuite() {
    delete both_;
    delete first_;
    delete second_;
    delete model_;
  }

  static const SpecialTokens& special() { return *model_->info().special_tokens; }
  static int32_t English() { return special().first_language; }

  /** Greedy at temperature 0 only, no thresholds, a few tokens, English given. */
  static DecodeParams Plain(int n_windows) {
    DecodeParams params;
    params.temperatures = {0.0f};
    params.n_max_new_tokens = 12;
    params.compression_ratio_threshold.reset();
    params.logprob_threshold.reset();
    params.no_speech_threshold.reset();
    params.windows.resize(static_cast<std::size_t>(n_windows));
    for (DecodeWindow& window : params.windows)
      window.language_token = English();
    return params;
  }

  static Model* model_;
  static EncoderOutput* both_;
  static EncoderOutput* first_;
  static EncoderOutput* second_;
};

Model* WhisperDecodingTest::model_ = nullptr;
EncoderOutput* WhisperDecodingTest::both_ = nullptr;
EncoderOutput* WhisperDecodingTest::first_ = nullptr;
EncoderOutput* WhisperDecodingTest::second_ = nullptr;

TEST_F(WhisperDecodingTest, ABatchDecodesEachWindowAsItWouldAlone) {
  for (const bool timestamps : {true, false}) {
    DecodeParams params = Plain(2);
    params.timestamps = timestamps;
    params.windows[1].previous_tokens = {400, 401, 402};  // prompts of different lengths share the batch
    const std::vector<DecodeResult> batch = model_->Decode(*both_, params);
    ASSERT_EQ(batch.size(), 2u);
    DecodeParams alone = Plain(1);
    alone.timestamps = timestamps;
    EXPECT_EQ(model_->Decode(*first_, alone)[0].tokens, batch[0].tokens);
    alone.windows[0].previous_tokens = params.windows[1].previous_tokens;
    const DecodeResult second = model_->Decode(*second_, alone)[0];
    EXPECT_EQ(second.tokens, batch[1].tokens);
    EXPECT_NEAR(second.sum_logprob, batch[1].sum_logprob, 1e-3);
    EXPECT_FALSE(batch[0].tokens.empty());
    if (timestamps) {
      EXPECT_GE(batch[0].tokens[0], special().timestamp_begin);
      EXPECT_LE(batch[0].tokens[0], special().timestamp_begin + 50);
    }
  }
}

/**
 * The sum of log-probabilities a fresh decoder gives `tokens` after the start sequence, under the rules of
 * `params` (no timestamps), with <|endoftext|> when it ended the sequence.
 */
double RecomputedSum(Model& model,
                     const EncoderOutput& audio,
                     const DecodeParams& params,
                     std::vector<int32_t> tokens,
                     bool ended) {
  const SpecialTokens& special = *model.info().special_tokens;
  const int n_vocab = model.info().dims.n_vocab;
  const std::vector<int32_t> start = {special.start_of_transcript, params.windows[0].language_token,
                                      special.transcribe, special.no_timestamps};
  const LogitRules rules(special, params.suppress_blank,
                         AlwaysSuppressedTokens(special, params.suppress_tokens), std::nullopt);
  std::vector<int32_t> all = start;
  all.insert(all.end(), tokens.begin(), tokens.end());
  if (ended)
    tokens.push_back(special.end_of_text);
  std::unique_ptr<DecoderSession> session = model.NewDecoderSession(audio);
  std::vector<float> logits(all.size() * n_vocab);
  session->Append(all.data(), static_cast<int>(all.size()), logits.data(), DecoderSession::Logits::kAll);
  double sum = 0.0;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    float* row = logits.data() + (start.size() - 1 + i) * n_vocab;
    rules.Apply(tokens.data(), static_cast<int>(i), row, n_vocab);
    sum += TokenLogProb(row, tokens[i], LogSumExp(row, n_vocab));
  }
  return sum;
}

TEST_F(WhisperDecodingTest, BeamSearchSumsAreWhatAFreshDecoderComputesForTheTokens) {
  DecodeParams params = Plain(2);
  params.timestamps = false;
  params.n_beams = 4;
  params.n_max_new_tokens = 10;
  const std::vector<DecodeResult> beams = model_->Decode(*both_, params);
  const std::vector<DecodeResult> greedy = model_->Decode(*both_, Plain(2));
  for (int w = 0; w < 2; ++w) {
    const DecodeResult& result = beams[w];
    const bool ended = static_cast<int>(result.tokens.size()) < params.n_max_new_tokens;
    const EncoderOutput& audio = w == 0 ? *first_ : *second_;
    EXPECT_NEAR(RecomputedSum(*model_, audio, params, result.tokens, ended), result.sum_logprob, 2e-3) << w;
    EXPECT_NEAR(result.avg_logprob, result.sum_logprob / (result.tokens.size() + 1), 1e-12);
  }
  // A beam of one window alone is the same search.
  DecodeParams alone = params;
  alone.windows.resize(1);
  EXPECT_EQ(model_->Decode(*second_, alone)[0].tokens, beams[1].tokens);
  EXPECT_EQ(greedy.size(), 2u);
}

TEST_F(WhisperDecodingTest, SamplingRepeatsItselfForASeed) {
  DecodeParams params = Plain(2);
  params.temperatures = {5.0f};  // flat enough that another seed draws other tokens
  params.n_best_of = 3;
  params.seed = 11;
  const std::vector<DecodeResult> a = model_->Decode(*both_, params);
  const std::vector<DecodeResult> b = model_->Decode(*both_, params);
  params.seed = 12;
  const std::vector<DecodeResult> c = model_->Decode(*both_, params);
  for (int w = 0; w < 2; ++w) {
    EXPECT_EQ(a[w].tokens, b[w].tokens);
    EXPECT_EQ(a[w].sum_logprob, b[w].sum_logprob);
    EXPECT_EQ(a[w].temperature, 5.0f);
  }
  EXPECT_TRUE(a[0].tokens != c[0].tokens || a[1].tokens != c[1].tokens);
}

TEST_F(WhisperDecodingTest, FallbackWalksTheTemperaturesWhileAWindowFails) {
  DecodeParams params = Plain(2);
  params.temperatures = {0.0f, 0.5f, 1.0f};
  params.logprob_threshold = 1.0f;  // no log-probability reaches it: every temperature is tried
  for (const DecodeResult& result : model_->Decode(*both_, params))
    EXPECT_EQ(result.temperature, 1.0f);
  params.logprob_threshold = -1e6f;
  for (const DecodeResult& result : model_->Decode(*both_, params))
    EXPECT_EQ(result.temperature, 0.0f);
  // A silent window is not decoded again: a no-speech threshold of 0 makes every low-logprob window silent.
  params.logprob_threshold = 1.0f;
  params.no_speech_threshold = 0.0f;
  for (const DecodeResult& result : model_->Decode(*both_, params)) {
    EXPECT_EQ(result.temperature, 0.0f);
    EXPECT_TRUE(result.silent);
    EXPECT_GT(result.no_speech_prob, 0.0f);
  }
}

TEST_F(WhisperDecodingTest, CompressionRatioOfTheDecodedText) {
  const int n_vocab = model_->info().dims.n_vocab;
  // Every token's text is "ab", timestamps none: the ratio is that of "ab" repeated.
  std::string bytes;
  std::vector<uint32_t> offsets = {0};
  for (int id = 0; id < n_vocab; ++id) {
    if (id < special().timestamp_begin)
      bytes += "ab";
    offsets.push_back(static_cast<uint32_t>(bytes.size()));
  }
  model_->SetTokenBytes(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), offsets.data(),
                        offsets.size());
  DecodeParams params = Plain(1);
  params.timestamps = false;
  const DecodeResult result = model_->Decode(*first_, params)[0];
  std::string text;
  for (std::size_t i = 0; i < result.tokens.size(); ++i)
    text += "ab";
  EXPECT_FLOAT_EQ(result.compression_ratio, static_cast<float>(CompressionRatio(text)));
  EXPECT_THROW(model_->SetTokenBytes(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                                     offsets.data(), offsets.size() - 1),
               Error);
}

TEST_F(WhisperDecodingTest, DetectsTheLanguageOfEveryWindow) {
  const std::vector<std::vector<float>> probabilities = model_->DetectLanguage(*both_);
  ASSERT_EQ(probabilities.size(), 2u);
  DecodeParams params = Plain(2);
  params.windows[1].language_token = -1;
  const std::vector<DecodeResult> results = model_->Decode(*both_, params);
  EXPECT_EQ(results[0].language_token, English());
  EXPECT_TRUE(results[0].language_probs.empty());
  ASSERT_EQ(results[1].language_probs.size(), 99u);
  double total = 0.0;
  int best = 0;
  for (int i = 0; i < 99; ++i) {
    total += probabilities[1][i];
    if (probabilities[1][i] > probabilities[1][best])
      best = i;
    EXPECT_NEAR(results[1].language_probs[i], probabilities[1][i], 1e-5);
  }
  EXPECT_NEAR(total, 1.0, 1e-5);
  EXPECT_EQ(results[1].language_token, special().first_language + best);
}

TEST_F(WhisperDecodingTest, BadParametersFailNamingThemselves) {
  const std::vector<std::pair<std::function<void(DecodeParams&)>, std::string>> cases = {
      {[](DecodeParams& p) { p.windows.resize(3); },
       "windows must be empty or hold one entry per window (2): 3"},
      {[](DecodeParams& p) { p.windows[0].language_token = 5; },
       "windows[0].language_token must be -1 or a language"},
      {[](DecodeParams& p) {
         p.windows[1].previous_tokens = {1, 60000};
       },
       "windows[1].previous_tokens[1]"},
      {[](DecodeParams& p) {
         p.windows[0].prefix_tokens.assign(230, 5);
         p.windows[0].previous_tokens.assign(230, 5);
       },
       "windows[0] starts with 450 tokens (prompt, hotwords, prefix): no room left in n_text_ctx 448"},
      {[](DecodeParams& p) { p.temperatures.clear(); }, "temperatures must hold at least one"},
      {[](DecodeParams& p) {
         p.temperatures = {0.0f, -0.2f};
       },
       "temperatures[1] must be finite and >= 0: -0.2"},
      {[](DecodeParams& p) { p.n_beams = -1; }, "n_beams must be in [0, 64]: -1"},
      {[](DecodeParams& p) { p.patience = 0.0f; }, "patience must be finite and > 0: 0"},
      {[](DecodeParams& p) { p.length_penalty = 2.0f; }, "length_penalty must be in [0, 1]: 2"},
      {[](DecodeParams& p) { p.n_best_of = 0; }, "n_best_of must be in [1, 64]: 0"},
      {[](DecodeParams& p) { p.suppress_tokens = {-1}; }, "suppress_tokens[0] must be a token id"},
      {[](DecodeParams& p) { p.n_max_new_tokens = 500; },
       "n_max_new_tokens must be in [0, n_text_ctx 448]: 500"},
      {[](DecodeParams& p) { p.max_initial_timestamp_s = -1.0f; }, "max_initial_timestamp_s must be finite"},
      {[](DecodeParams& p) { p.logprob_threshold = NAN; }, "logprob_threshold must be finite"},
  };
  for (const auto& [mutate, message] : cases) {
    DecodeParams params = Plain(2);
    mutate(params);
    try {
      model_->Decode(*both_, params);
      ADD_FAILURE() << "no error for: " << message;
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::kInvalidArg);
      EXPECT_NE(std::string(error.what()).find("[Model::Decode] " + message), std::string::npos)
          << error.what();
    }
  }
}

TEST(WhisperDecoding, RowsWorkedOnInParallelChooseWhatRowsInTurnChoose) {
  // A GPU model works on a step's rows (logit rules, choice, log-probability) on host threads: every row's
  // work is its own, so greedy and sampled sequences, their sums and the fallback's choices are the same as
  // one row after another.
  ModelDims dims;
  dims.n_audio_layer = 1;
  dims.n_text_layer = 1;
  const auto store = InMemoryWeightStore::RandomWhisper(dims, 97);
  const auto backend = CreateBackend("cpu", 2).backend;
  const WhisperWeights weights = LoadWhisperWeights(*store, *backend);
  const std::vector<float> mel = RandomFloats(3 * kMels * kFrames, 98, -1.0f, 1.5f);
  Tensor device_mel = backend->Allocate({3, kMels, kFrames});
  backend->Upload(mel.data(), device_mel);
  const Tensor frames = RunWhisperEncoder(*backend, weights, device_mel);
  const SpecialTokens special = *WhisperSpecialTokens(dims.n_vocab);
  ThreadPool threads(3);
  for (const bool sampled : {false, true}) {
    DecodeParams params;
    params.timestamps = true;
    params.n_max_new_tokens = 16;
    params.temperatures = sampled ? std::vector<float>{0.8f, 1.0f} : std::vector<float>{0.0f};
    params.n_best_of = sampled ? 3 : 1;
    params.seed = 5;
    params.compression_ratio_threshold.reset();
    params.logprob_threshold = -0.5f;  // most windows fail it: the fallback runs
    params.no_speech_threshold.reset();
    params.windows.resize(3);
    for (DecodeWindow& window : params.windows)
      window.language_token = special.first_language;
    const auto in_turn = DecodeWindows(*backend, weights, frames, special, params, nullptr, nullptr);
    const auto parallel = DecodeWindows(*backend, weights, frames, special, params, nullptr, &threads);
    ASSERT_EQ(parallel.size(), in_turn.size());
    for (std::size_t w = 0; w < in_turn.size(); ++w) {
      EXPECT_FALSE(in_turn[w].tokens.empty());
      EXPECT_EQ(parallel[w].tokens, in_turn[w].tokens) << "sampled " << sampled << " window " << w;
      EXPECT_EQ(parallel[w].sum_logprob, in_turn[w].sum_logprob) << "sampled " << sampled << " window " << w;
      EXPECT_EQ(parallel[w].temperature, in_turn[w].temperature) << "sampled " << sampled << " window " << w;
    }
  }
}

/**
 * A CPU backend that takes decoding steps as the CUDA backend does (Backend::ChooseTokens): from the rules as
 * plain values and each row's RowHistory alone, never the row's tokens, which it rebuilds only as far as the
 * rules look at them (filler text, the latest timestamp, the last two tokens).
 */
class ChoosingBackend : public CpuBackend {
 public:
  explicit ChoosingBackend(const SpecialTokens& special) : CpuBackend(2), special_(special) {}
  bool ChoosesTokens(int k) const override { return k >= 1; }
  void ChooseTokens(const Tensor& logits,
                    const LogitRuleValues& rules,
                    const std::vector<RowHistory>& rows,
                    int k,
                    int32_t* tokens,
                    float* logprobs) override {
    ++calls;
    EXPECT_EQ(rules.timestamp_begin, special_.timestamp_begin);
    EXPECT_EQ(rules.no_timestamps, special_.no_timestamps);
    EXPECT_EQ(rules.end_of_text, special_.end_of_text);
    EXPECT_EQ(rules.blank, special_.blank);
    std::optional<TimestampRules> timestamps;
    if (rules.timestamps) {
      timestamps.emplace(special_, rules.max_initial_timestamp_index >= 0
                                       ? std::optional<int>(rules.max_initial_timestamp_index)
                                       : std::nullopt);
    }
    const LogitRules rebuilt(special_, rules.suppress_blank, rules.suppressed, timestamps);
    const auto n_vocab = static_cast<int>(logits.dim(logits.rank() - 1));
    for (std::size_t r = 0; r < rows.size(); ++r) {
      const RowHistory& row = rows[r];
      std::vector<int32_t> history(static_cast<std::size_t>(row.n_sampled), 1);  // filler text
      if (row.n_sampled >= 3 && row.last_timestamp >= 0)
        history[0] = row.last_timestamp;
      if (row.n_sampled >= 2)
        history[row.n_sampled - 2] = row.penultimate;
      if (row.n_sampled >= 1)
        history[row.n_sampled - 1] = row.last;
      std::vector<float> values(logits.data<float>() + r * n_vocab, logits.data<float>() + (r + 1) * n_vocab);
      rebuilt.Apply(history.data(), row.n_sampled, values.data(), n_vocab);
      const double log_sum_exp = LogSumExp(values.data(), n_vocab);
      std::vector<int32_t> ids(static_cast<std::size_t>(n_vocab));
      std::iota(ids.begin(), ids.end(), 0);
      std::partial_sort(ids.begin(), ids.begin() + k, ids.end(), [&](int32_t a, int32_t b) {
        return values[a] > values[b] || (values[a] == values[b] && a < b);
      });
      for (int i = 0; i < k; ++i) {
        tokens[r * k + i] = ids[i];
        logprobs[r * k + i] = static_cast<float>(TokenLogProb(values.data(), ids[i], log_sum_exp));
      }
    }
  }
  int calls = 0;

 private:
  SpecialTokens special_;
};

TEST(WhisperDecoding, StepsChosenWhereTheLogitsAreChooseWhatTheHostChooses) {
  // Greedy and beam passes on a backend that chooses where the logits are (a GPU) give it each step's rules
  // and row histories instead of reading the logits: the same tokens as the host's own choice, and sums
  // within a float's rounding of each step's log-probability.
  ModelDims dims;
  dims.n_audio_layer = 1;
  dims.n_text_layer = 1;
  const auto store = InMemoryWeightStore::RandomWhisper(dims, 99);
  const SpecialTokens special = *WhisperSpecialTokens(dims.n_vocab);
  CpuBackend host(2);
  ChoosingBackend steps(special);
  const WhisperWeights host_weights = LoadWhisperWeights(*store, host);
  const WhisperWeights step_weights = LoadWhisperWeights(*store, steps);
  const std::vector<float> mel = RandomFloats(3 * kMels * kFrames, 100, -1.0f, 1.5f);
  Tensor host_mel = host.Allocate({3, kMels, kFrames});
  host.Upload(mel.data(), host_mel);
  const Tensor frames = RunWhisperEncoder(host, host_weights, host_mel);
  for (const bool timestamps : {true, false}) {
    for (const std::optional<float> max_initial : {std::optional<float>(1.0f), std::optional<float>()}) {
      for (const int n_beams : {0, 3}) {
        DecodeParams params;
        params.n_beams = n_beams;
        params.timestamps = timestamps;
        params.max_initial_timestamp_s = max_initial;
        params.n_max_new_tokens = 20;
        params.temperatures = {0.0f};
        params.compression_ratio_threshold.reset();
        params.logprob_threshold.reset();
        params.no_speech_threshold.reset();
        params.windows.resize(3);
        for (DecodeWindow& window : params.windows)
          window.language_token = special.first_language;
        params.windows[2].previous_tokens = {400, 401};
        const auto expected = DecodeWindows(host, host_weights, frames, special, params, nullptr, nullptr);
        const int calls_before = steps.calls;
        const auto actual = DecodeWindows(steps, step_weights, frames, special, params, nullptr, nullptr);
        EXPECT_GT(steps.calls, calls_before);
        ASSERT_EQ(actual.size(), expected.size());
        for (std::size_t w = 0; w < expected.size(); ++w) {
          EXPECT_FALSE(expected[w].tokens.empty());
          EXPECT_EQ(actual[w].tokens, expected[w].tokens)
              << "timestamps " << timestamps << ", beams " << n_beams << ", window " << w;
          EXPECT_NEAR(actual[w].sum_logprob, expected[w].sum_logprob, 1e-4) << "window " << w;
        }
      }
    }
  }
}

TEST(WhisperDecoding, RefusesWhatItCannotDecode) {
  ModelDims dims;
  dims.n_audio_layer = 1;
  dims.n_text_layer = 1;
  dims.n_vocab = 100;  // no Whisper vocabulary
  ModelLoadParams params;
  params.n_threads = 1;
  const std::unique_ptr<Model> model =
      CreateWhisperModel(InMemoryWeightStore::RandomWhisper(dims, 1), params);
  EXPECT_FALSE(model->info().special_tokens.has_value());
  const std::vector<float> mel(kMels * kFrames, 0.0f);
  const std::unique_ptr<EncoderOutput> audio = model->Encode(mel.data(), 1);
  EXPECT_THROW(model->Decode(*audio, DecodeParams{}), Error);
  EXPECT_THROW(model->DetectLanguage(*audio), Error);
}

}  // namespace
}  // namespace verbatim
