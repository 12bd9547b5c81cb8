// The one shape of a model-loading failure: "[WeightStore] PATH: what was wrong".
#pragma once

#include <string>
#include <utility>

#include "core/fail.h"

namespace verbatim {

/** Throws Error kModelLoad "[WeightStore] PATH: " + the streamed parts. */
template <typename... Parts>
[[noreturn]] void FailLoading(const std::string& path, Parts&&... parts) {
  Fail(ErrorCode::kModelLoad, "WeightStore", path, ": ", std::forward<Parts>(parts)...);
}

}  // namespace verbatim
