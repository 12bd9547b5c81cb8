// Native bytes reported to V8 (Napi::MemoryManagement::AdjustExternalMemory), so that the garbage collector
// weighs a wrap by what it holds natively; un-reported when the native object is freed. Main thread only.
#pragma once

#include <napi.h>

#include <cstdint>
#include <utility>

namespace verbatim::binding {

class ExternalMemory {
 public:
  ExternalMemory() = default;
  ExternalMemory(ExternalMemory&& other) noexcept : bytes_(std::exchange(other.bytes_, 0)) {}
  ExternalMemory& operator=(ExternalMemory&&) = delete;

  void Add(Napi::BasicEnv env, std::int64_t bytes) {
    Napi::MemoryManagement::AdjustExternalMemory(env, bytes);
    bytes_ += bytes;
  }
  /** Un-reports everything reported so far. */
  void Clear(Napi::BasicEnv env) {
    if (bytes_ != 0)
      Napi::MemoryManagement::AdjustExternalMemory(env, -std::exchange(bytes_, 0));
  }

 private:
  std::int64_t bytes_ = 0;
};

}  // namespace verbatim::binding
