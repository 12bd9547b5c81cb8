#include "promise_worker.h"

#include <utility>

namespace verbatim::binding {

PromiseWorker::PromiseWorker(Napi::Env env, const char* operation, ModelLease lease)
    : Napi::AsyncWorker(env, operation),
      operation_(operation),
      lease_(std::move(lease)),
      deferred_(Napi::Promise::Deferred::New(env)) {}

Napi::Promise PromiseWorker::Start() {
  Napi::Promise promise = deferred_.Promise();
  Queue();
  return promise;
}

void PromiseWorker::KeepAlive(const Napi::Object& value) {
  kept_alive_.push_back(Napi::Persistent(value));
}

void PromiseWorker::Execute() {
  try {
    Run();
  } catch (...) {
    error_ = CaptureCurrentException(operation_);
  }
}

void PromiseWorker::OnOK() {
  // The next queued call may start as soon as the promise settles, so the lock goes first.
  lease_.Release();
  Napi::Env env = Env();
  if (error_) {
    deferred_.Reject(error_->ToJs(env).Value());
    return;
  }
  try {
    deferred_.Resolve(Result(env));
  } catch (const Napi::Error& error) {
    deferred_.Reject(error.Value());
  } catch (...) {
    deferred_.Reject(CaptureCurrentException(operation_).ToJs(env).Value());
  }
}

void PromiseWorker::OnError(const Napi::Error& error) {
  lease_.Release();
  deferred_.Reject(
      CodedError(Env(), ErrorCode::kInternal, std::string("[") + operation_ + "] " + error.Message())
          .Value());
}

Napi::Promise ResolvedPromise(Napi::Env env) {
  Napi::Promise::Deferred done = Napi::Promise::Deferred::New(env);
  done.Resolve(env.Undefined());
  return done.Promise();
}

}  // namespace verbatim::binding
