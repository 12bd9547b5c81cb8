// Reading JavaScript arguments. The TypeScript layer validates first (with the caller's names); these checks
// are the backstop that keeps a wrong call into the raw addon from reaching the engine. Each throws
// E_INVALID_ARG as
// "[operation] name must be …: got …". Main thread only.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace verbatim::binding {

/** A short description of a JS value for error messages: numbers and strings as themselves, else their type.
 */
std::string DescribeValue(const Napi::Value& value);

class Args {
 public:
  Args(const Napi::CallbackInfo& info, const char* operation) : info_(info), operation_(operation) {}

  std::string String(std::size_t index, const char* name) const;
  /** An integer in [min, max]. */
  int Int(std::size_t index, const char* name, int min, int max) const;
  bool Bool(std::size_t index, const char* name) const;
  /** A Float32Array; with `length` >= 0 it must hold exactly that many elements. */
  Napi::Float32Array Float32Array(std::size_t index, const char* name, std::int64_t length = -1) const;
  /** An Int32Array; with `length` >= 0 it must hold exactly that many elements. */
  Napi::Int32Array Int32Array(std::size_t index, const char* name, std::int64_t length = -1) const;
  /** A Uint8Array of any length. */
  Napi::Uint8Array Uint8Array(std::size_t index, const char* name) const;
  /** A Uint32Array of any length. */
  Napi::Uint32Array Uint32Array(std::size_t index, const char* name) const;
  Napi::Object Object(std::size_t index, const char* name) const;

  const char* operation() const { return operation_; }
  Napi::Env env() const { return info_.Env(); }

 private:
  [[noreturn]] void Fail(std::size_t index, const char* name, const char* expected) const;
  template <typename Array>
  Array TypedArray(std::size_t index,
                   const char* name,
                   napi_typedarray_type type,
                   const char* type_name,
                   std::int64_t length) const;

  const Napi::CallbackInfo& info_;
  const char* operation_;
};

}  // namespace verbatim::binding
