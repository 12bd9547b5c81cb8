// The compression ratio as Python computes it, the start sequence, and the fallback's triggers.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/fail.h"
#include "model/decoding/compression_ratio.h"
#include "model/decoding/special_tokens.h"
#include "model/decoding/start_sequence.h"
#include "model/decoding/temperature_fallback.h"

namespace verbatim {
namespace {

TEST(CompressionRatio, MatchesPythonsZlib) {
  // len(s) / len(zlib.compress(s)) in Python 3.11 with zlib 1.2.13:
  //   b"hello hello hello hello hello hello hello hello" → 47 / 17
  //   b"the quick brown fox" → 19 / 27
  EXPECT_DOUBLE_EQ(CompressionRatio("hello hello hello hello hello hello hello hello"), 47.0 / 17.0);
  EXPECT_DOUBLE_EQ(CompressionRatio("the quick brown fox"), 19.0 / 27.0);
  EXPECT_EQ(CompressionRatio(""), 0.0);
}

TEST(CompressionRatio, DecodesReplacingAndStripsAsPython) {
  // b" \xe4\xb8\xad\xe6\x96 x\xff\n".decode("utf-8", "replace").strip().encode() ==
  // b"\xe4\xb8\xad\xef\xbf\xbd x\xef\xbf\xbd"
  EXPECT_EQ(NormalizeDecodedText(" \xe4\xb8\xad\xe6\x96 x\xff\n"), "\xe4\xb8\xad\xef\xbf\xbd x\xef\xbf\xbd");
  // U+3000 (ideographic space) and U+00A0 are whitespace to str.strip(); U+200B is not.
  EXPECT_EQ(NormalizeDecodedText("\xe3\x80\x80\xc2\xa0"
                                 "a\xe2\x80\x8b"),
            "a\xe2\x80\x8b");
  // A surrogate's encoding and an overlong form are ill-formed: one U+FFFD per maximal subpart.
  EXPECT_EQ(NormalizeDecodedText("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(NormalizeDecodedText("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");
}

TEST(TokenBytes, ConcatenatesTextTokensOnly) {
  const std::string bytes = "Hi there!";
  const std::vector<uint32_t> offsets = {0, 2, 8, 9, 9};  // "Hi", " there", "!", a timestamp (empty)
  const TokenBytes table(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), offsets.data(),
                         offsets.size());
  EXPECT_EQ(table.Concatenate({0, 1, 2, 3}, 3), "Hi there!");
  EXPECT_EQ(table.Concatenate({1, 0}, 1), "Hi");  // ids >= 1 left out
  const std::vector<uint32_t> decreasing = {0, 3, 2, 9};
  EXPECT_THROW(TokenBytes(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), decreasing.data(),
                          decreasing.size()),
               Error);
  const std::vector<uint32_t> short_end = {0, 3, 8};
  EXPECT_THROW(TokenBytes(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), short_end.data(),
                          short_end.size()),
               Error);
}

TEST(StartSequence, AsOpenAiBuildsIt) {
  const SpecialTokens special = *WhisperSpecialTokens(51865);
  const int32_t de = special.first_language + 2;
  DecodeWindow window;
  StartSequence start = BuildStartSequence(special, 448, window, de, DecodeParams::Task::kTranscribe, true);
  EXPECT_EQ(start.tokens, (std::vector<int32_t>{special.start_of_transcript, de, special.transcribe}));
  EXPECT_EQ(start.start_of_transcript_index, 0);

  window.previous_tokens.resize(300);
  for (int i = 0; i < 300; ++i)
    window.previous_tokens[i] = i;
  window.prefix_tokens = {1000, 1001};
  window.hotword_tokens = {2000};  // ignored: there is a prefix
  start = BuildStartSequence(special, 448, window, de, DecodeParams::Task::kTranslate, false);
  ASSERT_EQ(start.tokens.size(), 1u + 223u + 4u + 2u);
  EXPECT_EQ(start.tokens[0], special.start_of_prev);
  EXPECT_EQ(start.tokens[1], 300 - 223);  // the last 223 previous tokens
  EXPECT_EQ(start.start_of_transcript_index, 224);
  EXPECT_EQ(std::vector<int32_t>(start.tokens.begin() + 224, start.tokens.end()),
            (std::vector<int32_t>{special.start_of_transcript, de, special.translate, special.no_timestamps,
                                  1000, 1001}));

  window.prefix_tokens.clear();
  window.previous_tokens = {5, 6};
  start = BuildStartSequence(special, 448, window, de, DecodeParams::Task::kTranscribe, true);
  EXPECT_EQ(start.tokens, (std::vector<int32_t>{special.start_of_prev, 2000, 5, 6,
                                                special.start_of_transcript, de, special.transcribe}));

  const SpecialTokens english = *WhisperSpecialTokens(51864);
  start = BuildStartSequence(english, 448, DecodeWindow{}, -1, DecodeParams::Task::kTranscribe, false);
  EXPECT_EQ(start.tokens, (std::vector<int32_t>{english.start_of_transcript, english.no_timestamps}));
}

TEST(TemperatureFallback, TriggersAsTranscribeDoes) {
  const FallbackThresholds defaults{2.4f, -1.0f, 0.6f};
  EXPECT_FALSE(NeedsFallback(defaults, 1.5, -0.5, 0.1));
  EXPECT_TRUE(NeedsFallback(defaults, 2.5, -0.5, 0.1));   // too repetitive
  EXPECT_TRUE(NeedsFallback(defaults, 1.5, -1.2, 0.1));   // too unlikely
  EXPECT_FALSE(NeedsFallback(defaults, 1.5, -1.2, 0.7));  // unlikely, but silence
  EXPECT_TRUE(NeedsFallback(defaults, 2.5, -0.5, 0.7));   // repetitive speech is not silence
  EXPECT_FALSE(NeedsFallback(FallbackThresholds{}, 9.0, -9.0, 0.0));
  EXPECT_FALSE(NeedsFallback(defaults, NAN, -0.5, 0.1));  // no ratio without token bytes

  EXPECT_TRUE(IsSilent(defaults, -1.2, 0.7));
  EXPECT_TRUE(IsSilent(defaults, -1.0, 0.7));  // "not above" the logprob threshold
  EXPECT_FALSE(IsSilent(defaults, -0.5, 0.7));
  EXPECT_FALSE(IsSilent(defaults, -1.2, 0.5));
  EXPECT_TRUE(IsSilent(FallbackThresholds{std::nullopt, std::nullopt, 0.6f}, 0.0, 0.7));
}

}  // namespace
}  // namespace verbatim
