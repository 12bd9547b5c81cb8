#include "model_handle.h"

#include <string>
#include <utility>

#include "errors.h"

namespace verbatim::binding {

ModelLease ModelLock::Acquire(const std::shared_ptr<ModelLock>& lock, Napi::Env env, const char* operation) {
  lock->CheckIdle(env, operation);
  lock->in_flight_ = operation;
  return ModelLease(lock);
}

void ModelLock::CheckIdle(Napi::Env env, const char* operation) const {
  if (in_flight_ != nullptr) {
    ThrowError(env, ErrorCode::kInternal,
               std::string("[") + operation + "] the model is busy with " + in_flight_ +
                   ": calls on one model must not overlap (the TypeScript layer queues them)");
  }
}

void ModelLock::ReleaseWhenIdle(std::shared_ptr<void> resource) {
  if (in_flight_ != nullptr)
    pending_releases_.push_back(std::move(resource));
}

void ModelLock::Unlock() {
  in_flight_ = nullptr;
  pending_releases_.clear();
}

ModelLease& ModelLease::operator=(ModelLease&& other) noexcept {
  if (this != &other) {
    Release();
    lock_ = std::move(other.lock_);
  }
  return *this;
}

void ModelLease::Release() {
  if (lock_) {
    lock_->Unlock();
    lock_.reset();
  }
}

}  // namespace verbatim::binding
