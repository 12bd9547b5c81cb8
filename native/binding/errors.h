// Errors crossing into JavaScript. Every error the binding throws or rejects with is a JS Error whose `code`
// is one of verbatim::ErrorCodeName's strings ("E_INVALID_ARG", "E_MODEL_LOAD", …) and whose message reads
// "[operation] what was wrong: value"; packages/mlx-engine maps the code to @verbatim/core's error classes.
#pragma once

#include <napi.h>

#include <string>

#include "verbatim/engine.h"

namespace verbatim::binding {

/** A JS Error with `code` set. Main thread only. */
Napi::Error CodedError(Napi::Env env, ErrorCode code, const std::string& message);

/** Throws CodedError(env, code, message) as a C++ exception; node-addon-api rethrows it in JavaScript. */
[[noreturn]] void ThrowError(Napi::Env env, ErrorCode code, const std::string& message);

/** An error caught where no JS value may be created (a worker thread), turned into a JS error later. */
struct CapturedError {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;

  Napi::Error ToJs(Napi::Env env) const { return CodedError(env, code, message); }
};

/**
 * Call inside a catch block: verbatim::Error keeps its code and message, std::bad_alloc becomes E_OOM, any
 * other exception E_INTERNAL; the last two are prefixed with "[operation] ".
 */
CapturedError CaptureCurrentException(const char* operation);

}  // namespace verbatim::binding
