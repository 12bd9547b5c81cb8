#include "errors.h"

#include <exception>
#include <new>

namespace verbatim::binding {

Napi::Error CodedError(Napi::Env env, ErrorCode code, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, ErrorCodeName(code)));
  return error;
}

void ThrowError(Napi::Env env, ErrorCode code, const std::string& message) {
  throw CodedError(env, code, message);
}

CapturedError CaptureCurrentException(const char* operation) {
  const std::string prefix = std::string("[") + operation + "] ";
  try {
    throw;
  } catch (const Error& error) {
    return {error.code(), error.what()};
  } catch (const std::bad_alloc&) {
    return {ErrorCode::kOom, prefix + "out of memory"};
  } catch (const std::exception& error) {
    return {ErrorCode::kInternal, prefix + error.what()};
  } catch (...) {
    return {ErrorCode::kInternal, prefix + "unknown exception"};
  }
}

}  // namespace verbatim::binding
