#include "args.h"

#include <cmath>
#include <sstream>

#include "errors.h"

namespace verbatim::binding {

namespace {

/** Longest string echoed back in an error message. */
constexpr std::size_t kMaxEchoedChars = 60;

const char* TypedArrayName(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array:
      return "Int8Array";
    case napi_uint8_array:
      return "Uint8Array";
    case napi_uint8_clamped_array:
      return "Uint8ClampedArray";
    case napi_int16_array:
      return "Int16Array";
    case napi_uint16_array:
      return "Uint16Array";
    case napi_int32_array:
      return "Int32Array";
    case napi_uint32_array:
      return "Uint32Array";
    case napi_float32_array:
      return "Float32Array";
    case napi_float64_array:
      return "Float64Array";
    case napi_bigint64_array:
      return "BigInt64Array";
    case napi_biguint64_array:
      return "BigUint64Array";
    default:
      return "TypedArray";
  }
}

}  // namespace

std::string DescribeValue(const Napi::Value& value) {
  std::ostringstream out;
  if (value.IsNumber()) {
    out << value.As<Napi::Number>().DoubleValue();
  } else if (value.IsString()) {
    std::string text = value.As<Napi::String>().Utf8Value();
    if (text.size() > kMaxEchoedChars)
      text = text.substr(0, kMaxEchoedChars) + "…";
    out << '"' << text << '"';
  } else if (value.IsTypedArray()) {
    const auto array = value.As<Napi::TypedArray>();
    out << TypedArrayName(array.TypedArrayType()) << '(' << array.ElementLength() << ')';
  } else if (value.IsUndefined()) {
    out << "undefined";
  } else if (value.IsNull()) {
    out << "null";
  } else if (value.IsBoolean()) {
    out << (value.As<Napi::Boolean>().Value() ? "true" : "false");
  } else if (value.IsArray()) {
    out << "an Array";
  } else if (value.IsFunction()) {
    out << "a function";
  } else {
    out << "an object";
  }
  return out.str();
}

void Args::Fail(std::size_t index, const char* name, const char* expected) const {
  ThrowError(info_.Env(), ErrorCode::kInvalidArg,
             std::string("[") + operation_ + "] " + name + " must be " + expected + ": got " +
                 DescribeValue(info_[index]));
}

std::string Args::String(std::size_t index, const char* name) const {
  if (!info_[index].IsString())
    Fail(index, name, "a string");
  return info_[index].As<Napi::String>().Utf8Value();
}

int Args::Int(std::size_t index, const char* name, int min, int max) const {
  const Napi::Value value = info_[index];
  const double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : NAN;
  if (!(std::floor(number) == number && number >= min && number <= max)) {
    const std::string expected = "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
    Fail(index, name, expected.c_str());
  }
  return static_cast<int>(number);
}

bool Args::Bool(std::size_t index, const char* name) const {
  if (!info_[index].IsBoolean())
    Fail(index, name, "a boolean");
  return info_[index].As<Napi::Boolean>().Value();
}

template <typename Array>
Array Args::TypedArray(std::size_t index,
                       const char* name,
                       napi_typedarray_type type,
                       const char* type_name,
                       std::int64_t length) const {
  const Napi::Value value = info_[index];
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != type) {
    const std::string expected = std::string("a ") + type_name;
    Fail(index, name, expected.c_str());
  }
  auto array = value.As<Array>();
  if (length >= 0 && static_cast<std::int64_t>(array.ElementLength()) != length) {
    const std::string expected =
        std::string("a ") + type_name + " of " + std::to_string(length) + " elements";
    Fail(index, name, expected.c_str());
  }
  return array;
}

Napi::Float32Array Args::Float32Array(std::size_t index, const char* name, std::int64_t length) const {
  return TypedArray<Napi::Float32Array>(index, name, napi_float32_array, "Float32Array", length);
}

Napi::Int32Array Args::Int32Array(std::size_t index, const char* name, std::int64_t length) const {
  return TypedArray<Napi::Int32Array>(index, name, napi_int32_array, "Int32Array", length);
}

Napi::Uint8Array Args::Uint8Array(std::size_t index, const char* name) const {
  return TypedArray<Napi::Uint8Array>(index, name, napi_uint8_array, "Uint8Array", -1);
}

Napi::Uint32Array Args::Uint32Array(std::size_t index, const char* name) const {
  return TypedArray<Napi::Uint32Array>(index, name, napi_uint32_array, "Uint32Array", -1);
}

Napi::Object Args::Object(std::size_t index, const char* name) const {
  if (!info_[index].IsObject())
    Fail(index, name, "an object");
  return info_[index].As<Napi::Object>();
}

}  // namespace verbatim::binding
