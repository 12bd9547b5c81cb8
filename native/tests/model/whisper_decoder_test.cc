// WhisperDecoder's self-attention caches start small and grow as the sequences do: what a row held survives
// every growth, and beam reordering after a growth moves whole rows.
#include "model/whisper_decoder.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "backend/create_backend.h"
#include "model/in_memory_weight_store.h"
#include "model/whisper_encoder.h"
#include "model/whisper_weights.h"

namespace verbatim {
namespace {

using testing::InMemoryWeightStore;
using testing::RandomFloats;
using testing::RelativeL2;

class WhisperDecoderTest : public ::testing::Test {
 protected:
  WhisperDecoderTest() {
    ModelDims dims;  // tiny's widths, one layer each
    dims.n_audio_layer = 1;
    dims.n_text_layer = 1;
    store_ = InMemoryWeightStore::RandomWhisper(dims, 61);
    backend_ = CreateBackend("cpu", 2).backend;
    weights_ = std::make_unique<WhisperWeights>(LoadWhisperWeights(*store_, *backend_));
    const std::vector<float> mel = RandomFloats(80 * 3000, 62, -1.0f, 1.5f);
    Tensor device_mel = backend_->Allocate({1, 80, 3000});
    backend_->Upload(mel.data(), device_mel);
    audio_ = RunWhisperEncoder(*backend_, *weights_, device_mel);
  }

  /** Row r's logits of its last new token (or every new position's rows with all_positions). */
  std::vector<float> Logits(const Tensor& logits) {
    std::vector<float> out(static_cast<std::size_t>(logits.dim(0) * logits.dim(1) * logits.dim(2)));
    backend_->Download(logits, out.data());
    return out;
  }

  static std::vector<int32_t> Tokens(int n, int first) {
    std::vector<int32_t> tokens(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i)
      tokens[i] = first + (i * 37) % 5000;
    return tokens;
  }

  std::unique_ptr<InMemoryWeightStore> store_;
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<WhisperWeights> weights_;
  Tensor audio_;
};

TEST_F(WhisperDecoderTest, OneTokenAtATimeAcrossTwoGrowthsEqualsEveryTokenAtOnce) {
  const int n = 300;  // the caches start at 128 positions: they grow at 129 and at 257
  const std::vector<int32_t> tokens = Tokens(n, 400);
  WhisperDecoder at_once(*backend_, *weights_, audio_);
  const std::vector<float> expected = Logits(at_once.Append(tokens.data(), n, false));
  WhisperDecoder stepwise(*backend_, *weights_, audio_);
  stepwise.Append(tokens.data(), 100, false);
  std::vector<float> last;
  for (int i = 100; i < n; ++i)
    last = Logits(stepwise.Append(&tokens[i], 1, false));
  EXPECT_EQ(stepwise.length(0), n);
  EXPECT_LE(RelativeL2(last, expected), 1e-5);
}

TEST_F(WhisperDecoderTest, ReorderedRowsAfterAGrowthContinueTheirSources) {
  // Two rows (beams) of one window with different texts, grown past 128 positions, then both continue row 1.
  WhisperDecoder beams(*backend_, *weights_, audio_);
  beams.ResetRows({2});
  const int n = 150;
  const std::vector<int32_t> row0 = Tokens(n, 400), row1 = Tokens(n, 900);
  std::vector<int32_t> both(row0);
  both.insert(both.end(), row1.begin(), row1.end());
  beams.Append(both.data(), n, false);
  beams.ReorderRows({1, 1});
  const int32_t next[] = {7177, 7177};
  const std::vector<float> logits = Logits(beams.Append(next, 1, false));

  WhisperDecoder fresh(*backend_, *weights_, audio_);
  std::vector<int32_t> expected_tokens(row1);
  expected_tokens.push_back(7177);
  const std::vector<float> expected = Logits(fresh.Append(expected_tokens.data(), n + 1, false));
  const std::size_t n_vocab = expected.size();
  for (int row = 0; row < 2; ++row) {
    const std::vector<float> actual(logits.begin() + row * n_vocab, logits.begin() + (row + 1) * n_vocab);
    EXPECT_LE(RelativeL2(actual, expected), 1e-5) << "row " << row;
  }
}

}  // namespace
}  // namespace verbatim
