#include "formats/json.h"

#include <charconv>
#include <set>
#include <system_error>

#include "core/fail.h"
#include "formats/load_error.h"
#include "formats/mapped_file.h"

namespace verbatim {

JsonValue JsonValue::Bool(bool value) {
  JsonValue result;
  result.type_ = Type::kBool;
  result.bool_ = value;
  return result;
}

JsonValue JsonValue::Number(double value, bool exact_integer, int64_t integer) {
  JsonValue result;
  result.type_ = Type::kNumber;
  result.number_ = value;
  result.exact_integer_ = exact_integer;
  result.integer_ = integer;
  return result;
}

JsonValue JsonValue::String(std::string value) {
  JsonValue result;
  result.type_ = Type::kString;
  result.string_ = std::move(value);
  return result;
}

JsonValue JsonValue::Array(std::vector<JsonValue> elements) {
  JsonValue result;
  result.type_ = Type::kArray;
  result.array_ = std::move(elements);
  return result;
}

JsonValue JsonValue::Object(std::vector<Member> members) {
  JsonValue result;
  result.type_ = Type::kObject;
  result.object_ = std::move(members);
  return result;
}

namespace {

void ExpectType(JsonValue::Type actual, JsonValue::Type wanted, const char* accessor) {
  if (actual != wanted)
    Fail(ErrorCode::kInternal, "JsonValue", accessor, " called on another type");
}

}  // namespace

bool JsonValue::AsBool() const {
  ExpectType(type_, Type::kBool, "AsBool");
  return bool_;
}

double JsonValue::AsDouble() const {
  ExpectType(type_, Type::kNumber, "AsDouble");
  return number_;
}

int64_t JsonValue::AsInt64() const {
  if (!is_integer())
    Fail(ErrorCode::kInternal, "JsonValue", "AsInt64 called on a non-integer");
  return integer_;
}

const std::string& JsonValue::AsString() const {
  ExpectType(type_, Type::kString, "AsString");
  return string_;
}

const std::vector<JsonValue>& JsonValue::AsArray() const {
  ExpectType(type_, Type::kArray, "AsArray");
  return array_;
}

const std::vector<JsonValue::Member>& JsonValue::AsObject() const {
  ExpectType(type_, Type::kObject, "AsObject");
  return object_;
}

const JsonValue* JsonValue::Find(std::string_view key) const {
  if (type_ != Type::kObject)
    return nullptr;
  for (const Member& member : object_) {
    if (member.first == key)
      return &member.second;
  }
  return nullptr;
}

namespace {

// Deep enough for any metadata file; shallow enough that recursion cannot exhaust the stack.
constexpr int kMaxNestingDepth = 256;

class JsonParser {
 public:
  JsonParser(std::string_view text, const std::string& source) : text_(text), source_(source) {}

  JsonValue ParseDocument() {
    SkipWhitespace();
    JsonValue value = ParseValue(0);
    SkipWhitespace();
    if (position_ != text_.size())
      FailHere("end of input after the value");
    return value;
  }

 private:
  [[noreturn]] void FailHere(const char* expected) const {
    FailLoading(source_, "invalid JSON at byte ", position_, ": expected ", expected);
  }

  bool AtEnd() const { return position_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[position_]; }

  void SkipWhitespace() {
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\t' || Peek() == '\n' || Peek() == '\r'))
      ++position_;
  }

  void Expect(char wanted, const char* description) {
    if (Peek() != wanted || AtEnd())
      FailHere(description);
    ++position_;
  }

  void ExpectWord(std::string_view word) {
    if (text_.substr(position_, word.size()) != word)
      FailHere("a value");
    position_ += word.size();
  }

  JsonValue ParseValue(int depth) {
    if (depth > kMaxNestingDepth)
      FailHere("at most 256 levels of nesting");
    switch (Peek()) {
      case '{':
        return ParseObject(depth);
      case '[':
        return ParseArray(depth);
      case '"':
        return JsonValue::String(ParseString());
      case 't':
        ExpectWord("true");
        return JsonValue::Bool(true);
      case 'f':
        ExpectWord("false");
        return JsonValue::Bool(false);
      case 'n':
        ExpectWord("null");
        return JsonValue();
      default:
        if (Peek() == '-' || IsDigit(Peek()))
          return ParseNumber();
        FailHere("a value");
    }
  }

  JsonValue ParseObject(int depth) {
    Expect('{', "'{'");
    std::vector<JsonValue::Member> members;
    std::set<std::string> keys;
    SkipWhitespace();
    if (Peek() == '}' && !AtEnd()) {
      ++position_;
      return JsonValue::Object(std::move(members));
    }
    while (true) {
      SkipWhitespace();
      const std::size_t key_position = position_;
      if (Peek() != '"')
        FailHere("a string key");
      std::string key = ParseString();
      if (!keys.insert(key).second) {
        position_ = key_position;
        FailHere("a key not seen before in this object");
      }
      SkipWhitespace();
      Expect(':', "':'");
      SkipWhitespace();
      JsonValue value = ParseValue(depth + 1);
      members.emplace_back(std::move(key), std::move(value));
      SkipWhitespace();
      if (Peek() == ',' && !AtEnd()) {
        ++position_;
        continue;
      }
      Expect('}', "',' or '}'");
      return JsonValue::Object(std::move(members));
    }
  }

  JsonValue ParseArray(int depth) {
    Expect('[', "'['");
    std::vector<JsonValue> elements;
    SkipWhitespace();
    if (Peek() == ']' && !AtEnd()) {
      ++position_;
      return JsonValue::Array(std::move(elements));
    }
    while (true) {
      SkipWhitespace();
      elements.push_back(ParseValue(depth + 1));
      SkipWhitespace();
      if (Peek() == ',' && !AtEnd()) {
        ++position_;
        continue;
      }
      Expect(']', "',' or ']'");
      return JsonValue::Array(std::move(elements));
    }
  }

  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }

  void SkipDigits(const char* expected) {
    if (!IsDigit(Peek()) || AtEnd())
      FailHere(expected);
    while (!AtEnd() && IsDigit(Peek()))
      ++position_;
  }

  JsonValue ParseNumber() {
    const std::size_t start = position_;
    if (Peek() == '-')
      ++position_;
    if (Peek() == '0' && !AtEnd()) {
      ++position_;
      if (IsDigit(Peek()) && !AtEnd())
        FailHere("no leading zero");
    } else {
      SkipDigits("a digit");
    }
    bool integral = true;
    if (Peek() == '.' && !AtEnd()) {
      integral = false;
      ++position_;
      SkipDigits("a digit after '.'");
    }
    if ((Peek() == 'e' || Peek() == 'E') && !AtEnd()) {
      integral = false;
      ++position_;
      if (Peek() == '+' || Peek() == '-')
        ++position_;
      SkipDigits("a digit in the exponent");
    }
    // from_chars: locale-independent (a host program may have set a locale with a decimal comma).
    const char* first = text_.data() + start;
    const char* last = text_.data() + position_;
    double value = 0;
    if (std::from_chars(first, last, value).ec != std::errc()) {
      position_ = start;
      FailHere("a number within the range of a double");
    }
    int64_t integer = 0;
    const bool exact = integral && std::from_chars(first, last, integer).ec == std::errc();
    return JsonValue::Number(value, exact, integer);
  }

  unsigned ParseHex4() {
    unsigned code = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = Peek();
      if (AtEnd())
        FailHere("4 hexadecimal digits after \\u");
      unsigned digit;
      if (c >= '0' && c <= '9') {
        digit = static_cast<unsigned>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        digit = static_cast<unsigned>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        digit = static_cast<unsigned>(c - 'A' + 10);
      } else {
        FailHere("4 hexadecimal digits after \\u");
      }
      code = code * 16 + digit;
      ++position_;
    }
    return code;
  }

  /** After "\u": one code point, joining a UTF-16 surrogate pair written as two escapes. */
  unsigned ParseUnicodeEscape() {
    const unsigned first = ParseHex4();
    if (first >= 0xDC00 && first <= 0xDFFF)
      FailHere("a high surrogate before a low surrogate");
    if (first < 0xD800 || first > 0xDBFF)
      return first;
    if (text_.substr(position_, 2) != "\\u")
      FailHere("a low surrogate (\\uDC00-\\uDFFF) after a high surrogate");
    position_ += 2;
    const unsigned second = ParseHex4();
    if (second < 0xDC00 || second > 0xDFFF)
      FailHere("a low surrogate (\\uDC00-\\uDFFF) after a high surrogate");
    return 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
  }

  static void AppendUtf8(unsigned code_point, std::string& out) {
    if (code_point < 0x80) {
      out += static_cast<char>(code_point);
    } else if (code_point < 0x800) {
      out += static_cast<char>(0xC0 | (code_point >> 6));
      out += static_cast<char>(0x80 | (code_point & 0x3F));
    } else if (code_point < 0x10000) {
      out += static_cast<char>(0xE0 | (code_point >> 12));
      out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code_point & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (code_point >> 18));
      out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code_point & 0x3F));
    }
  }

  void ParseEscape(std::string& out) {
    const char c = Peek();
    if (AtEnd())
      FailHere("an escape character");
    ++position_;
    switch (c) {
      case '"':
      case '\\':
      case '/':
        out += c;
        return;
      case 'b':
        out += '\b';
        return;
      case 'f':
        out += '\f';
        return;
      case 'n':
        out += '\n';
        return;
      case 'r':
        out += '\r';
        return;
      case 't':
        out += '\t';
        return;
      case 'u':
        AppendUtf8(ParseUnicodeEscape(), out);
        return;
      default:
        --position_;
        FailHere("one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u");
    }
  }

  std::string ParseString() {
    Expect('"', "'\"'");
    std::string out;
    while (true) {
      if (AtEnd())
        FailHere("'\"' closing the string");
      const char c = text_[position_];
      if (c == '"') {
        ++position_;
        return out;
      }
      if (static_cast<unsigned char>(c) < 0x20)
        FailHere("no control character inside a string");
      ++position_;
      if (c == '\\') {
        ParseEscape(out);
      } else {
        out += c;
      }
    }
  }

  std::string_view text_;
  const std::string& source_;
  std::size_t position_ = 0;
};

}  // namespace

JsonValue ParseJson(std::string_view text, const std::string& source) {
  return JsonParser(text, source).ParseDocument();
}

JsonValue ReadJsonFile(const std::string& path) {
  const std::shared_ptr<MappedFile> file = MappedFile::Open(path);
  return ParseJson(std::string_view(reinterpret_cast<const char*>(file->data()), file->size()), path);
}

}  // namespace verbatim
