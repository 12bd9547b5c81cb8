// The base of every asynchronous call: an AsyncWorker holding a Promise::Deferred. The work runs on libuv's
// thread pool (the engine's own pool does the arithmetic); the promise settles on the main thread.
#pragma once

#include <napi.h>

#include <optional>
#include <vector>

#include "errors.h"
#include "model_handle.h"

namespace verbatim::binding {

class PromiseWorker : public Napi::AsyncWorker {
 public:
  /** Queues the work and returns its promise; the worker deletes itself after settling it. */
  Napi::Promise Start();

 protected:
  /** @param lease the model's lock, held until the promise settles (empty for loadModel). */
  PromiseWorker(Napi::Env env, const char* operation, ModelLease lease);

  /** Keeps `value` (an input or output array, the wrap itself) alive and unmoved until the work settles. */
  void KeepAlive(const Napi::Object& value);

  /** [worker thread] The work. May throw verbatim::Error or anything else; must not touch JavaScript. */
  virtual void Run() = 0;
  /** [main thread] The promise's value once Run succeeded. */
  virtual Napi::Value Result(Napi::Env env) { return env.Undefined(); }

  const char* operation() const { return operation_; }

 private:
  void Execute() final;
  void OnOK() final;
  void OnError(const Napi::Error& error) final;

  const char* operation_;
  ModelLease lease_;
  Napi::Promise::Deferred deferred_;
  std::vector<Napi::ObjectReference> kept_alive_;
  std::optional<CapturedError> error_;
};

/** An already resolved Promise<undefined>: dispose() of something already disposed. */
Napi::Promise ResolvedPromise(Napi::Env env);

}  // namespace verbatim::binding
