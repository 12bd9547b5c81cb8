#include "formats/json.h"

#include <gtest/gtest.h>

#include <string>

#include "verbatim/engine.h"

namespace verbatim {
namespace {

JsonValue Parse(const std::string& text) {
  return ParseJson(text, "test.json");
}

/** The message of the error parsing `text` throws. */
std::string ParseError(const std::string& text) {
  try {
    Parse(text);
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kModelLoad);
    return error.what();
  }
  ADD_FAILURE() << "parsed without error: " << text;
  return "";
}

TEST(Json, ParsesEveryKindOfValue) {
  const JsonValue value =
      Parse(R"( {"a": [1, -2.5e1, true, false, null], "b": {"c": "d"}, "e": {}, "f": []} )");
  ASSERT_TRUE(value.is_object());
  const std::vector<JsonValue>& a = value.Find("a")->AsArray();
  ASSERT_EQ(a.size(), 5u);
  EXPECT_EQ(a[0].AsInt64(), 1);
  EXPECT_EQ(a[1].AsDouble(), -25.0);
  EXPECT_FALSE(a[1].is_integer());
  EXPECT_TRUE(a[2].AsBool());
  EXPECT_FALSE(a[3].AsBool());
  EXPECT_TRUE(a[4].is_null());
  EXPECT_EQ(value.Find("b")->Find("c")->AsString(), "d");
  EXPECT_TRUE(value.Find("e")->AsObject().empty());
  EXPECT_TRUE(value.Find("f")->AsArray().empty());
  EXPECT_EQ(value.Find("missing"), nullptr);
  EXPECT_EQ(value.AsObject()[1].first, "b") << "members keep file order";
}

TEST(Json, KeepsLargeIntegersExact) {
  // 2^53 + 1 is not a double; safetensors offsets of huge files must not be rounded.
  EXPECT_EQ(Parse("9007199254740993").AsInt64(), 9007199254740993LL);
  EXPECT_EQ(Parse("-0").AsInt64(), 0);
  EXPECT_FALSE(Parse("99999999999999999999").is_integer()) << "beyond int64: a double only";
  EXPECT_EQ(Parse("0.5").AsDouble(), 0.5);
}

TEST(Json, DecodesEscapesAndSurrogatePairs) {
  EXPECT_EQ(Parse(R"("a\"b\\c\/d\b\f\n\r\t")").AsString(), "a\"b\\c/d\b\f\n\r\t");
  EXPECT_EQ(Parse(R"("\u00e9\u20AC")").AsString(), "\xC3\xA9\xE2\x82\xAC");  // é €
  EXPECT_EQ(Parse(R"("\ud83d\ude00")").AsString(), "\xF0\x9F\x98\x80");      // 😀 as a surrogate pair
  EXPECT_EQ(Parse("\"\xC3\xA9 raw UTF-8\"").AsString(), "\xC3\xA9 raw UTF-8");
}

TEST(Json, ErrorsNameTheSourceAndByteOffset) {
  EXPECT_EQ(ParseError("[1, 2,]"), "[WeightStore] test.json: invalid JSON at byte 6: expected a value");
  EXPECT_EQ(ParseError("{\"a\": 1,}"),
            "[WeightStore] test.json: invalid JSON at byte 8: expected a string key");
  EXPECT_EQ(ParseError("{\"a\" 1}"), "[WeightStore] test.json: invalid JSON at byte 5: expected ':'");
  EXPECT_EQ(ParseError("[1] x"),
            "[WeightStore] test.json: invalid JSON at byte 4: expected end of input after the value");
}

TEST(Json, RejectsWhatStrictJsonForbids) {
  EXPECT_NE(ParseError("01").find("byte 1: expected no leading zero"), std::string::npos);
  EXPECT_NE(ParseError("1.").find("expected a digit after '.'"), std::string::npos);
  EXPECT_NE(ParseError("NaN").find("expected a value"), std::string::npos);
  EXPECT_NE(ParseError("\"a\nb\"").find("no control character"), std::string::npos);
  EXPECT_NE(ParseError(R"("\ude00")").find("a high surrogate before a low surrogate"), std::string::npos);
  EXPECT_NE(ParseError(R"("\ud83d x")").find("a low surrogate"), std::string::npos);
  EXPECT_NE(ParseError(R"("\x")").find("one of"), std::string::npos);
  EXPECT_NE(ParseError(R"({"a": 1, "a": 2})").find("byte 9: expected a key not seen before"),
            std::string::npos);
  EXPECT_NE(ParseError("\"open").find("closing the string"), std::string::npos);
  EXPECT_NE(ParseError("").find("byte 0: expected a value"), std::string::npos);
  EXPECT_NE(ParseError("1e999").find("within the range of a double"), std::string::npos);
  EXPECT_NE(ParseError(std::string(300, '[') + std::string(300, ']')).find("256 levels"), std::string::npos);
}

}  // namespace
}  // namespace verbatim
