// The logit rules on hand-built rows: which ids each rule suppresses, on a vocabulary of Whisper's layout.
#include "model/decoding/logit_rules.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "model/decoding/special_tokens.h"
#include "model/decoding/timestamp_rules.h"

namespace verbatim {
namespace {

constexpr int kVocab = 51865;

SpecialTokens Multilingual() {
  return *WhisperSpecialTokens(kVocab);
}

/** The ids whose logit is -inf. */
std::vector<int32_t> Suppressed(const std::vector<float>& logits) {
  std::vector<int32_t> ids;
  for (int32_t id = 0; id < static_cast<int32_t>(logits.size()); ++id) {
    if (std::isinf(logits[id]) && logits[id] < 0)
      ids.push_back(id);
  }
  return ids;
}

TEST(SpecialTokens, EveryWhisperVocabularyAndNoOther) {
  const SpecialTokens english = *WhisperSpecialTokens(51864);
  EXPECT_FALSE(english.multilingual);
  EXPECT_EQ(english.end_of_text, 50256);
  EXPECT_EQ(english.start_of_transcript, 50257);
  EXPECT_EQ(english.no_speech, 50361);
  EXPECT_EQ(english.no_timestamps, 50362);
  EXPECT_EQ(english.timestamp_begin, 50363);
  const SpecialTokens multilingual = Multilingual();
  EXPECT_EQ(multilingual.n_languages, 99);
  EXPECT_EQ(multilingual.transcribe, 50359);
  EXPECT_EQ(multilingual.start_of_prev, 50361);
  EXPECT_EQ(multilingual.timestamp_begin, 50364);
  const SpecialTokens v3 = *WhisperSpecialTokens(51866);
  EXPECT_EQ(v3.n_languages, 100);
  EXPECT_EQ(v3.no_speech, 50363);
  EXPECT_EQ(v3.timestamp_begin, 50365);
  EXPECT_FALSE(WhisperSpecialTokens(100).has_value());
}

TEST(LogitRules, SuppressBlankOnlyAtTheFirstPosition) {
  const SpecialTokens special = Multilingual();
  std::vector<float> logits(kVocab, 1.0f);
  SuppressBlank(special, 0, logits.data());
  EXPECT_EQ(Suppressed(logits), (std::vector<int32_t>{220, special.end_of_text}));
  std::vector<float> later(kVocab, 1.0f);
  SuppressBlank(special, 1, later.data());
  EXPECT_TRUE(Suppressed(later).empty());
}

TEST(LogitRules, SuppressTokensAddsTheControlTokensOpenAiAlwaysSuppresses) {
  const SpecialTokens special = Multilingual();
  const std::vector<int32_t> ids = AlwaysSuppressedTokens(special, {1, 50359, 5});
  EXPECT_EQ(ids,
            (std::vector<int32_t>{1, 5, special.start_of_transcript, special.translate, special.transcribe,
                                  special.start_of_lm, special.start_of_prev, special.no_speech}));
  std::vector<float> logits(kVocab, 0.0f);
  SuppressTokens(ids, logits.data());
  EXPECT_EQ(Suppressed(logits), ids);
}

TEST(LogitRules, AppliesInOpenAisOrderWithoutTimestamps) {
  const SpecialTokens special = Multilingual();
  const LogitRules rules(special, true, AlwaysSuppressedTokens(special, {7}), std::nullopt);
  std::vector<float> logits(kVocab, 0.0f);
  rules.Apply(nullptr, 0, logits.data(), kVocab);
  std::vector<int32_t> expected = AlwaysSuppressedTokens(special, {7, 220, special.end_of_text});
  EXPECT_EQ(Suppressed(logits), expected);
  // Timestamp tokens stay possible without timestamps, as in OpenAI and transformers.
  EXPECT_FALSE(std::isinf(logits[special.timestamp_begin + 10]));
}

class TimestampRulesTest : public ::testing::Test {
 protected:
  SpecialTokens special_ = Multilingual();
  TimestampRules rules_{special_, 50};
  int32_t Ts(int index) const { return special_.timestamp_begin + index; }

  /** Text logits at 0, timestamps far below so that the probability-sum rule never fires. */
  std::vector<float> TextFavoured() const {
    std::vector<float> logits(kVocab, 0.0f);
    for (int32_t id = special_.timestamp_begin; id < kVocab; ++id)
      logits[id] = -30.0f;
    return logits;
  }
  std::vector<float> Apply(const std::vector<int32_t>& sampled, std::vector<float> logits) const {
    rules_.Apply(sampled.data(), static_cast<int>(sampled.size()), logits.data(), kVocab);
    return logits;
  }
};

TEST_F(TimestampRulesTest, FirstTokenIsATimestampUpToTheMaxInitialOne) {
  const std::vector<float> logits = Apply({}, TextFavoured());
  for (int32_t id = 0; id < kVocab; ++id) {
    const bool allowed = id >= Ts(0) && id <= Ts(50);
    EXPECT_EQ(std::isinf(logits[id]), !allowed) << id;
  }
  EXPECT_EQ(TimestampIndex(1.0), 50);
  EXPECT_EQ(TimestampIndex(1e30), 1501);  // clamped: every timestamp allowed
  const TimestampRules unlimited(special_, std::nullopt);
  std::vector<float> open = TextFavoured();
  unlimited.Apply(nullptr, 0, open.data(), kVocab);
  EXPECT_FALSE(std::isinf(open[kVocab - 1]));
}

TEST_F(TimestampRulesTest, NoTimestampsTokenIsNeverAllowed) {
  const std::vector<float> logits = Apply({Ts(0), 400}, TextFavoured());
  EXPECT_TRUE(std::isinf(logits[special_.no_timestamps]));
  EXPECT_FALSE(std::isinf(logits[400]));
}

TEST_F(TimestampRulesTest, ALoneTimestampAfterTextMustBeClosedOrEnd) {
  // <|0.00|> text <|1.00|>: the segment is open; only a timestamp (>= 1.00) or <|endoftext|> may follow.
  const std::vector<float> logits = Apply({Ts(0), 400, Ts(50)}, TextFavoured());
  for (int32_t id = 0; id < special_.end_of_text; ++id)
    ASSERT_TRUE(std::isinf(logits[id])) << id;
  EXPECT_FALSE(std::isinf(logits[special_.end_of_text]));
  EXPECT_TRUE(std::isinf(logits[Ts(49)]));
  EXPECT_FALSE(std::isinf(logits[Ts(50)]));  // the closing timestamp may repeat the last one
  EXPECT_FALSE(std::isinf(logits[Ts(60)]));
}

TEST_F(TimestampRulesTest, AfterAPairTextFollowsAndTimestampsOnlyGoForward) {
  // A pair <|1.00|><|1.00|> closes a segment: no timestamp next; text is fine.
  const std::vector<float> after_pair = Apply({Ts(0), 400, Ts(50), Ts(50)}, TextFavoured());
  for (int32_t id = Ts(0); id < kVocab; ++id)
    ASSERT_TRUE(std::isinf(after_pair[id])) << id;
  EXPECT_FALSE(std::isinf(after_pair[400]));
  // After text following that pair, a new timestamp must be above the last one (a segment has a length).
  const std::vector<float> after_text = Apply({Ts(0), 400, Ts(50), Ts(50), 401}, TextFavoured());
  EXPECT_TRUE(std::isinf(after_text[Ts(50)]));
  EXPECT_FALSE(std::isinf(after_text[Ts(51)]));
  EXPECT_FALSE(std::isinf(after_text[401]));
}

TEST_F(TimestampRulesTest, TimestampsWinWhenTheirSumOutweighsTheBestTextToken) {
  // Each timestamp alone is less likely than text token 400, but together they are likelier.
  std::vector<float> logits(kVocab, -50.0f);
  logits[400] = 2.0f;
  for (int32_t id = Ts(0); id < kVocab; ++id)
    logits[id] = 0.0f;  // 1501 × e^0 against e^2
  const std::vector<float> forced = Apply({Ts(0), 400}, logits);
  EXPECT_TRUE(std::isinf(forced[400]));
  EXPECT_FALSE(std::isinf(forced[Ts(10)]));
  // With the timestamps much less likely, text stays possible.
  for (int32_t id = Ts(0); id < kVocab; ++id)
    logits[id] = -20.0f;
  const std::vector<float> free = Apply({Ts(0), 400}, logits);
  EXPECT_FALSE(std::isinf(free[400]));
}

}  // namespace
}  // namespace verbatim
