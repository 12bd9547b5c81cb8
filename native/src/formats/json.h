// A small strict JSON reader (RFC 8259) for the metadata of model files: config.json, safetensors headers and
// model.safetensors.index.json. Not a general-purpose library: no writer, values are immutable once parsed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace verbatim {

class JsonValue {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  using Member = std::pair<std::string, JsonValue>;

  JsonValue() = default;
  static JsonValue Bool(bool value);
  /** A number; `exact_integer` when its text was an integer that fits int64 (kept exactly, beyond 2^53). */
  static JsonValue Number(double value, bool exact_integer, int64_t integer);
  static JsonValue String(std::string value);
  static JsonValue Array(std::vector<JsonValue> elements);
  static JsonValue Object(std::vector<Member> members);

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_number() const { return type_ == Type::kNumber; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }
  /** A number written as an integer (no fraction or exponent) within int64. */
  bool is_integer() const { return type_ == Type::kNumber && exact_integer_; }

  // Accessors of the value's own type; calling one on another type is a bug (Error kInternal).
  bool AsBool() const;
  double AsDouble() const;
  int64_t AsInt64() const;
  const std::string& AsString() const;
  const std::vector<JsonValue>& AsArray() const;
  /** Members in file order; keys are unique (the parser rejects duplicates). */
  const std::vector<Member>& AsObject() const;

  /** The member named `key` of an object; nullptr when absent or when this is not an object. */
  const JsonValue* Find(std::string_view key) const;

 private:
  Type type_ = Type::kNull;
  bool bool_ = false;
  bool exact_integer_ = false;
  double number_ = 0;
  int64_t integer_ = 0;
  std::string string_;
  std::vector<JsonValue> array_;
  std::vector<Member> object_;
};

/**
 * Parses one JSON document (surrounding whitespace allowed). Strict: no comments, trailing commas, NaN,
 * leading zeros, unescaped control characters, lone surrogates or duplicate keys; at most 256 levels of
 * nesting.
 * @param source names the text in errors (a path, or "PATH (safetensors header)").
 * @throws Error kModelLoad "[WeightStore] SOURCE: invalid JSON at byte N: what was expected".
 * Thread-safe (no shared state).
 */
JsonValue ParseJson(std::string_view text, const std::string& source);

/** Parses the JSON file at `path`. @throws Error kModelLoad as ParseJson, or when the file cannot be read. */
JsonValue ReadJsonFile(const std::string& path);

}  // namespace verbatim
