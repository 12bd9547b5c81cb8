// [async] dispose() of a model, encoder output or decoder session: the native object is freed on a worker
// thread (unmapping weights and freeing caches can take milliseconds) and its external memory is un-reported.
#pragma once

#include <memory>
#include <utility>

#include "external_memory.h"
#include "promise_worker.h"

namespace verbatim::binding {

class ReleaseWorker : public PromiseWorker {
 public:
  /** @param resource what the wrap owned; dropping it frees the native object unless something else shares
   * it. */
  ReleaseWorker(Napi::Env env,
                const char* operation,
                ModelLease lease,
                std::shared_ptr<void> resource,
                ExternalMemory memory)
      : PromiseWorker(env, operation, std::move(lease)),
        resource_(std::move(resource)),
        memory_(std::move(memory)) {}

 protected:
  void Run() override { resource_.reset(); }
  Napi::Value Result(Napi::Env env) override {
    memory_.Clear(env);
    return env.Undefined();
  }

 private:
  std::shared_ptr<void> resource_;
  ExternalMemory memory_;
};

}  // namespace verbatim::binding
