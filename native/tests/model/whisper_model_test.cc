// The Whisper model end to end on random weights of a tiny-shaped architecture with few layers: batching, the
// KV cache and Truncate must not change any number beyond rounding, narrow weights must compute what their
// f32 values compute, and wrong architectures and arguments must fail precisely. (Numerical parity with
// transformers is checked against the reference fixtures in packages/mlx-engine.)
#include "engine/whisper_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <thread>

#include "model/in_memory_weight_store.h"

namespace verbatim {
namespace {

using testing::InMemoryWeightStore;
using testing::RandomFloats;
using testing::RelativeL2;

/** tiny's widths and vocabulary with 2 encoder layers and 1 decoder layer (asymmetric, like turbo). */
ModelDims TinyShapedDims() {
  ModelDims dims;
  dims.n_audio_layer = 2;
  dims.n_text_layer = 1;
  return dims;
}

constexpr int kFrames = 3000;

std::unique_ptr<Model> LoadModel(std::unique_ptr<InMemoryWeightStore> store, int n_threads = 2) {
  ModelLoadParams params;
  params.n_threads = n_threads;
  return CreateWhisperModel(std::move(store), params);
}

/** Logits rows: [n_rows, n_vocab]. */
std::vector<float> Row(const std::vector<float>& rows, int index, int n_vocab) {
  return std::vector<float>(rows.begin() + static_cast<std::ptrdiff_t>(index) * n_vocab,
                            rows.begin() + static_cast<std::ptrdiff_t>(index + 1) * n_vocab);
}

class WhisperModelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = LoadModel(InMemoryWeightStore::RandomWhisper(TinyShapedDims(), 1234)).release();
    // Two windows of log-mel-like values in [-1, 1.5].
    mel_ = new std::vector<float>(RandomFloats(2 * 80 * kFrames, 99, -1.0f, 1.5f));
  }
  static void TearDownTestSuite() {
    delete model_;
    delete mel_;
  }

  static const Model& model() { return *model_; }
  static const float* mel(int window) {
    return mel_->data() + static_cast<std::size_t>(window) * 80 * kFrames;
  }
  static int n_vocab() { return model_->info().dims.n_vocab; }

  /** Appends `tokens` (n_batch rows of n_new) and returns the logits. */
  static std::vector<float> Append(DecoderSession& session,
                                   const std::vector<int32_t>& tokens,
                                   int n_new,
                                   DecoderSession::Logits which) {
    const int rows = session.n_batch() * (which == DecoderSession::Logits::kAll ? n_new : 1);
    std::vector<float> logits(static_cast<std::size_t>(rows) * n_vocab());
    session.Append(tokens.data(), n_new, logits.data(), which);
    return logits;
  }

 private:
  static Model* model_;
  static std::vector<float>* mel_;
};

Model* WhisperModelTest::model_ = nullptr;
std::vector<float>* WhisperModelTest::mel_ = nullptr;

const std::vector<int32_t> kPrompt = {50258, 50259, 50359, 50363, 400, 370, 11, 452};

TEST_F(WhisperModelTest, ReportsWhatItLoaded) {
  const ModelInfo& info = model().info();
  EXPECT_EQ(info.backend, "cpu");
  EXPECT_EQ(info.n_threads, 2);
  EXPECT_EQ(info.dims.n_audio_layer, 2);
  EXPECT_EQ(info.weight_dtype, DType::kF32);
  EXPECT_EQ(info.weight_copy_bytes, 0u);  // f32 throughout: nothing converted
  EXPECT_GT(info.weight_bytes, static_cast<std::size_t>(51865) * 384 * 4);
  EXPECT_TRUE(info.backend_note.empty());    // "cpu" was asked for
  EXPECT_EQ(model().PeakDeviceBytes(), 0u);  // host memory is not device memory
}

TEST_F(WhisperModelTest, EncodesABatchAsItEncodesEachWindow) {
  const auto batch = model().Encode(mel(0), 2);
  ASSERT_EQ(batch->n_batch(), 2);
  const std::size_t window = 1500 * 384;
  std::vector<float> batched(2 * window);
  batch->CopyTo(batched.data());
  for (int i = 0; i < 2; ++i) {
    std::vector<float> single(window);
    model().Encode(mel(i), 1)->CopyTo(single.data());
    const std::vector<float> part(batched.begin() + i * window, batched.begin() + (i + 1) * window);
    EXPECT_LE(RelativeL2(part, single), 1e-6) << "window " << i;
    // Sanity: a LayerNorm'd output, not zeros.
    double norm = 0.0;
    for (float value : single)
      norm += value * value;
    EXPECT_GT(norm, 0.1 * window);
  }
}

TEST_F(WhisperModelTest, EncodeSamplesIsLogMelBatchThenEncodeBitForBit) {
  // A short tone, 35 s of noise (trimmed to 30 s), one sample, and an empty window.
  std::vector<float> tone(24000);
  for (std::size_t i = 0; i < tone.size(); ++i)
    tone[i] = 0.3f * std::sin(2.0f * 3.14159265f * 440.0f * i / 16000);
  const std::vector<float> noise = RandomFloats(35 * 16000, 7, -0.5f, 0.5f);
  const float one = 0.25f;
  const std::vector<const float*> samples = {tone.data(), noise.data(), &one, nullptr};
  const std::vector<std::size_t> n_samples = {tone.size(), noise.size(), 1, 0};
  const int n_batch = static_cast<int>(samples.size());
  std::vector<float> mel(static_cast<std::size_t>(n_batch) * 80 * kFrames);
  model().LogMelBatch(samples.data(), n_samples.data(), n_batch, mel.data());
  const std::size_t window = 1500 * 384;
  std::vector<float> expected(n_batch * window), actual(n_batch * window);
  model().Encode(mel.data(), n_batch)->CopyTo(expected.data());
  const auto encoded = model().EncodeSamples(samples.data(), n_samples.data(), n_batch);
  ASSERT_EQ(encoded->n_batch(), n_batch);
  encoded->CopyTo(actual.data());
  EXPECT_TRUE(actual == expected) << "the CPU backend's LogMel is ComputeLogMelBatch of the padded windows";
}

TEST_F(WhisperModelTest, DecodesABatchAsItDecodesEachSequence) {
  const auto audio = model().Encode(mel(0), 2);
  auto session = model().NewDecoderSession(*audio);
  const int n_new = 4;
  const std::vector<int32_t> tokens = {50258, 50259, 50359, 50363, 50258, 50261, 50359, 50363};
  const auto batched = Append(*session, tokens, n_new, DecoderSession::Logits::kAll);
  for (int i = 0; i < 2; ++i) {
    const auto single_audio = model().Encode(mel(i), 1);
    auto single = model().NewDecoderSession(*single_audio);
    const std::vector<int32_t> own(tokens.begin() + i * n_new, tokens.begin() + (i + 1) * n_new);
    const auto expected = Append(*single, own, n_new, DecoderSession::Logits::kAll);
    const std::vector<float> part(batched.begin() + static_cast<std::ptrdiff_t>(i) * n_new * n_vocab(),
                                  batched.begin() + static_cast<std::ptrdiff_t>(i + 1) * n_new * n_vocab());
    EXPECT_LE(RelativeL2(part, expected), 1e-6) << "sequence " << i;
  }
}

TEST_F(WhisperModelTest, IncrementalDecodingEqualsFullRecomputation) {
  const auto audio = model().Encode(mel(0), 1);
  auto full = model().NewDecoderSession(*audio);
  const int n = static_cast<int>(kPrompt.size());
  const auto all = Append(*full, kPrompt, n, DecoderSession::Logits::kAll);
  EXPECT_EQ(full->length(0), n);

  // One token at a time after a 3-token start: kLast of each step is that position's row of the full pass.
  auto incremental = model().NewDecoderSession(*audio);
  const auto start =
      Append(*incremental, {kPrompt.begin(), kPrompt.begin() + 3}, 3, DecoderSession::Logits::kAll);
  for (int position = 0; position < 3; ++position) {
    EXPECT_LE(RelativeL2(Row(start, position, n_vocab()), Row(all, position, n_vocab())), 1e-5) << position;
  }
  for (int position = 3; position < n; ++position) {
    const auto step = Append(*incremental, {kPrompt[position]}, 1, DecoderSession::Logits::kLast);
    EXPECT_LE(RelativeL2(step, Row(all, position, n_vocab())), 1e-5) << "position " << position;
  }
  EXPECT_EQ(incremental->length(0), n);
}

TEST_F(WhisperModelTest, LastLogitsAreTheLastRowOfAllLogits) {
  const auto audio = model().Encode(mel(1), 1);
  auto a = model().NewDecoderSession(*audio);
  auto b = model().NewDecoderSession(*audio);
  const auto all = Append(*a, kPrompt, 5, DecoderSession::Logits::kAll);
  const auto last = Append(*b, kPrompt, 5, DecoderSession::Logits::kLast);
  EXPECT_LE(RelativeL2(last, Row(all, 4, n_vocab())), 1e-6);
}

TEST_F(WhisperModelTest, AppendArgMaxChoosesTheLargestLogitOfEachSequence) {
  const auto audio = model().Encode(mel(0), 2);
  auto with_logits = model().NewDecoderSession(*audio);
  auto with_tokens = model().NewDecoderSession(*audio);
  std::vector<int32_t> tokens = {50258, 50259, 50359, 50363, 50258, 50259, 50359, 50363};
  for (int step = 0; step < 3; ++step) {  // the start sequence, then two single tokens, both sessions alike
    const int n_new = step == 0 ? 4 : 1;
    const auto logits = Append(*with_logits, tokens, n_new, DecoderSession::Logits::kLast);
    std::vector<int32_t> chosen(2, -1);
    with_tokens->AppendArgMax(tokens.data(), n_new, chosen.data());
    for (int row = 0; row < 2; ++row) {
      const float* values = logits.data() + static_cast<std::size_t>(row) * n_vocab();
      EXPECT_EQ(chosen[row], std::max_element(values, values + n_vocab()) - values) << step << " " << row;
    }
    tokens = chosen;
  }
  EXPECT_EQ(with_tokens->length(0), 6);
  std::vector<int32_t> none(2);
  const int32_t bad[] = {-1, 0};
  EXPECT_THROW(with_tokens->AppendArgMax(bad, 1, none.data()), Error);
}

TEST_F(WhisperModelTest, TruncateThenAppendEqualsAFreshSession) {
  const auto audio = model().Encode(mel(0), 2);
  auto session = model().NewDecoderSession(*audio);
  // Both sequences get 6 tokens; then only sequence 1 is cut back to 3, so their lengths differ.
  const std::vector<int32_t> first = {50258, 50259, 50359, 50363, 400, 370,
                                      50258, 50260, 50359, 50363, 11,  452};
  Append(*session, first, 6, DecoderSession::Logits::kLast);
  session->Truncate(1, 3);
  EXPECT_EQ(session->length(0), 6);
  EXPECT_EQ(session->length(1), 3);
  const std::vector<int32_t> next = {7177, 6280, 1029, 406};
  const auto logits = Append(*session, next, 2, DecoderSession::Logits::kAll);

  const std::vector<std::vector<int32_t>> fresh_tokens = {{50258, 50259, 50359, 50363, 400, 370, 7177, 6280},
                                                          {50258, 50260, 50359, 1029, 406}};
  for (int i = 0; i < 2; ++i) {
    const auto single_audio = model().Encode(mel(i), 1);
    auto fresh = model().NewDecoderSession(*single_audio);
    const int n = static_cast<int>(fresh_tokens[i].size());
    const auto expected = Append(*fresh, fresh_tokens[i], n, DecoderSession::Logits::kAll);
    for (int j = 0; j < 2; ++j) {
      EXPECT_LE(RelativeL2(Row(logits, i * 2 + j, n_vocab()), Row(expected, n - 2 + j, n_vocab())), 1e-5)
          << "sequence " << i << " new token " << j;
    }
  }
}

TEST_F(WhisperModelTest, RejectsBadArguments) {
  const auto audio = model().Encode(mel(0), 1);
  auto session = model().NewDecoderSession(*audio);
  std::vector<float> logits(static_cast<std::size_t>(n_vocab()) * 448);
  auto expect_error = [](auto&& call, const char* message) {
    try {
      call();
      ADD_FAILURE() << "expected: " << message;
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::kInvalidArg);
      EXPECT_STREQ(error.what(), message);
    }
  };
  const int32_t bad_token = 51865;
  expect_error([&] { session->Append(&bad_token, 1, logits.data()); },
               "[DecoderSession::Append] token out of range [0, 51865): 51865 (sequence 0, position 0)");
  expect_error([&] { session->Append(kPrompt.data(), 0, logits.data()); },
               "[DecoderSession::Append] n_new must be >= 1: 0");
  std::vector<int32_t> too_many(449, 50257);
  expect_error([&] { session->Append(too_many.data(), 449, logits.data()); },
               "[DecoderSession::Append] sequence 0 would hold 449 tokens, more than n_text_ctx 448");
  EXPECT_EQ(session->length(0), 0);  // failed calls change nothing
  expect_error([&] { session->Truncate(0, 1); }, "[DecoderSession::Truncate] length must be in [0, 0]: 1");
  expect_error([&] { session->Truncate(1, 0); }, "[DecoderSession::Truncate] index out of range [0, 1): 1");
  expect_error([&] { model().Encode(mel(0), 0); }, "[Model::Encode] n_batch must be >= 1: 0");
  const float* samples[] = {mel(0), nullptr};
  const std::size_t n_samples[] = {100, 5};
  expect_error([&] { model().EncodeSamples(samples, n_samples, 0); },
               "[Model::EncodeSamples] n_batch must be >= 1: 0");
  expect_error([&] { model().EncodeSamples(samples, n_samples, 2); },
               "[Model::EncodeSamples] samples[1] is null but n_samples[1] is 5");
  expect_error([&] { model().EncodeSamples(nullptr, n_samples, 1); },
               "[Model::EncodeSamples] samples and n_samples must not be null");
}

TEST_F(WhisperModelTest, RejectsAnEncoderOutputFromAnotherModel) {
  ModelDims dims = TinyShapedDims();
  dims.n_vocab = 100;
  const auto other = LoadModel(InMemoryWeightStore::RandomWhisper(dims, 1), 1);
  const auto audio = other->Encode(mel(0), 1);
  try {
    model().NewDecoderSession(*audio);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kInvalidArg);
    EXPECT_STREQ(error.what(), "[Model::NewDecoderSession] the encoder output comes from another model");
  }
}

TEST_F(WhisperModelTest, SessionsOutliveTheirModel) {
  ModelDims dims = TinyShapedDims();
  dims.n_vocab = 100;
  auto short_lived = LoadModel(InMemoryWeightStore::RandomWhisper(dims, 2), 1);
  auto audio = short_lived->Encode(mel(0), 1);
  auto session = short_lived->NewDecoderSession(*audio);
  short_lived.reset();
  audio.reset();
  std::vector<float> logits(100);
  const int32_t token = 7;
  session->Append(&token, 1, logits.data());
  EXPECT_TRUE(std::isfinite(logits[0]));
}

TEST_F(WhisperModelTest, ThreadsMayEncodeConcurrently) {
  const std::size_t window = 1500 * 384;
  std::vector<float> expected(2 * window);
  model().Encode(mel(0), 2)->CopyTo(expected.data());
  std::vector<std::vector<float>> results(4, std::vector<float>(window));
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] { model().Encode(mel(i % 2), 1)->CopyTo(results[i].data()); });
  }
  for (std::thread& thread : threads)
    thread.join();
  for (int i = 0; i < 4; ++i) {
    const std::vector<float> part(expected.begin() + (i % 2) * window,
                                  expected.begin() + (i % 2 + 1) * window);
    EXPECT_LE(RelativeL2(results[i], part), 1e-6) << "thread " << i;
  }
}

/** Architectures the model must take from the dims alone. */
TEST(WhisperModel, RunsLargeV3ShapedMelAndVocabularyFromItsOwnLogMel) {
  ModelDims dims;
  dims.n_mels = 128;
  dims.n_vocab = 51866;
  dims.n_audio_state = dims.n_text_state = 64;
  dims.n_audio_head = dims.n_text_head = 4;
  dims.n_audio_layer = 1;
  dims.n_text_layer = 2;
  const auto model = LoadModel(InMemoryWeightStore::RandomWhisper(dims, 3), 1);
  // One second of a 440 Hz tone through the model's own 128-bin log-mel.
  std::vector<float> samples(16000);
  for (std::size_t i = 0; i < samples.size(); ++i)
    samples[i] = 0.5f * std::sin(2.0f * 3.14159265f * 440.0f * i / 16000);
  std::vector<float> mel(128 * kFrames);
  model->LogMel(samples.data(), samples.size(), mel.data());
  for (float value : mel)
    ASSERT_TRUE(std::isfinite(value) && value >= -1.5f && value <= 2.5f) << value;
  const auto audio = model->Encode(mel.data(), 1);
  auto session = model->NewDecoderSession(*audio);
  std::vector<float> logits(51866);
  const int32_t token = 51865;
  session->Append(&token, 1, logits.data());
  for (float value : logits)
    ASSERT_TRUE(std::isfinite(value));
}

TEST(WhisperModel, NarrowWeightsComputeWhatTheirValuesComputeInF32) {
  ModelDims dims = TinyShapedDims();
  dims.n_audio_layer = 1;
  dims.n_vocab = 2000;
  const auto mel = RandomFloats(80 * kFrames, 5, -1.0f, 1.5f);
  for (DType dtype : {DType::kF16, DType::kBF16}) {
    auto narrow_store = InMemoryWeightStore::RandomWhisper(dims, 6, dtype);
    auto wide_store = narrow_store->WidenedCopy();
    const auto narrow = LoadModel(std::move(narrow_store));
    const auto wide = LoadModel(std::move(wide_store));
    EXPECT_EQ(narrow->info().weight_dtype, dtype);
    EXPECT_EQ(narrow->info().weight_copy_bytes, 0u);  // matrices used in place; vectors were stored as f32

    std::vector<float> narrow_frames(1500 * 384), wide_frames(1500 * 384);
    const auto narrow_audio = narrow->Encode(mel.data(), 1);
    const auto wide_audio = wide->Encode(mel.data(), 1);
    narrow_audio->CopyTo(narrow_frames.data());
    wide_audio->CopyTo(wide_frames.data());
    EXPECT_LE(RelativeL2(narrow_frames, wide_frames), 1e-6) << DTypeName(dtype);

    std::vector<float> narrow_logits(4 * 2000), wide_logits(4 * 2000);
    const int32_t tokens[] = {1, 2, 3, 4};
    narrow->NewDecoderSession(*narrow_audio)
        ->Append(tokens, 4, narrow_logits.data(), DecoderSession::Logits::kAll);
    wide->NewDecoderSession(*wide_audio)->Append(tokens, 4, wide_logits.data(), DecoderSession::Logits::kAll);
    EXPECT_LE(RelativeL2(narrow_logits, wide_logits), 1e-6) << DTypeName(dtype);
  }
}

TEST(WhisperModel, AWrongArchitectureFailsNamingTheTensor) {
  ModelDims dims = TinyShapedDims();
  dims.n_vocab = 100;
  auto store = InMemoryWeightStore::RandomWhisper(dims, 7);
  ModelDims claimed = dims;
  claimed.n_audio_layer = 4;  // the config says 4 layers; the file has 2
  store->set_dims(claimed);
  try {
    LoadModel(std::move(store));
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kModelLoad);
    EXPECT_STREQ(error.what(),
                 "[WeightStore] missing tensor model.encoder.layers.2.self_attn_layer_norm.weight in memory");
  }

  store = InMemoryWeightStore::RandomWhisper(dims, 7);
  claimed = dims;
  claimed.n_mels = 128;  // large-v3's config over tiny's weights
  store->set_dims(claimed);
  try {
    LoadModel(std::move(store));
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kModelLoad);
    EXPECT_STREQ(
        error.what(),
        "[WeightStore] model.encoder.conv1.weight: expected shape [384, 128, 3], found [384, 80, 3]");
  }
}

TEST(WhisperModel, InconsistentDimensionsFail) {
  ModelDims dims = TinyShapedDims();
  dims.n_audio_head = 5;
  try {
    LoadModel(std::make_unique<InMemoryWeightStore>(dims));
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kModelLoad);
    EXPECT_STREQ(error.what(),
                 "[LoadWhisperWeights] width not divisible by the head count: audio 384 / 5, text 384 / 6");
  }
}

}  // namespace
}  // namespace verbatim
