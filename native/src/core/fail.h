// Throwing helpers: every deliberate failure is a verbatim::Error whose message reads
// "[operation] what was wrong: value".
#pragma once

#include <sstream>
#include <string>
#include <utility>

#include "verbatim/engine.h"

namespace verbatim {

/** Builds "[operation] " + the streamed parts and throws it as an Error with `code`. */
template <typename... Parts>
[[noreturn]] void Fail(ErrorCode code, const char* operation, Parts&&... parts) {
  std::ostringstream message;
  message << '[' << operation << "] ";
  (message << ... << std::forward<Parts>(parts));
  throw Error(code, message.str());
}

}  // namespace verbatim
