// A Float32Array allocated on the main thread for a worker thread to fill: an output's one and only copy out
// of the engine. Referenced until the worker is done with it.
#pragma once

#include <napi.h>

#include <cstddef>

namespace verbatim::binding {

class OutputFloats {
 public:
  OutputFloats(Napi::Env env, std::size_t length) {
    Napi::Float32Array array = Napi::Float32Array::New(env, length);
    data_ = array.Data();
    array_ = Napi::Persistent(array);
  }

  /** Where the worker writes; valid on any thread while this object lives. */
  float* data() const { return data_; }
  /** Main thread only. */
  Napi::Float32Array Value() const { return array_.Value(); }

 private:
  Napi::Reference<Napi::Float32Array> array_;
  float* data_ = nullptr;
};

}  // namespace verbatim::binding
