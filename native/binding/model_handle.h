// What the wraps of one model share: the engine's Model, the lock that admits one native call at a time, and
// whether JavaScript disposed of the model. Main thread only, except `model`, which workers use while they
// hold the lock.
#pragma once

#include <napi.h>

#include <memory>
#include <vector>

#include "verbatim/engine.h"

namespace verbatim::binding {

class ModelLease;

/**
 * The C++ guard against concurrent use of a model, its encoder outputs and its decoder sessions. The engine
 * serialises calls on the model's thread pool and a DecoderSession is single-threaded, so the TypeScript
 * layer queues every call on a model; this lock is the backstop that refuses a second call while one is in
 * flight (E_INTERNAL naming both) instead of letting it race.
 */
class ModelLock {
 public:
  /** Marks the model busy with `operation`. @throws E_INTERNAL when another call is in flight. */
  static ModelLease Acquire(const std::shared_ptr<ModelLock>& lock, Napi::Env env, const char* operation);
  /** Throws like Acquire when busy, without taking the lock: quick synchronous calls. */
  void CheckIdle(Napi::Env env, const char* operation) const;
  /**
   * Frees `resource` now when no call is in flight, else once the call in flight settles. Finalizers use it
   * so that a garbage-collected wrap never frees what a worker thread is reading.
   */
  void ReleaseWhenIdle(std::shared_ptr<void> resource);

 private:
  friend class ModelLease;
  void Unlock();

  const char* in_flight_ = nullptr;
  std::vector<std::shared_ptr<void>> pending_releases_;
};

/** Holds a ModelLock from Acquire until Release (or destruction). Movable, not copyable. */
class ModelLease {
 public:
  ModelLease() = default;
  explicit ModelLease(std::shared_ptr<ModelLock> lock) : lock_(std::move(lock)) {}
  ModelLease(ModelLease&& other) noexcept = default;
  ModelLease& operator=(ModelLease&& other) noexcept;
  ModelLease(const ModelLease&) = delete;
  ModelLease& operator=(const ModelLease&) = delete;
  ~ModelLease() { Release(); }

  void Release();

 private:
  std::shared_ptr<ModelLock> lock_;
};

struct ModelHandle {
  explicit ModelHandle(std::unique_ptr<Model> loaded) : model(std::move(loaded)) {}

  std::unique_ptr<Model> model;
  std::shared_ptr<ModelLock> lock = std::make_shared<ModelLock>();
  /** Set by ModelWrap's dispose(): encoder outputs and sessions refuse work with E_DISPOSED from then on. */
  bool disposed = false;
};

}  // namespace verbatim::binding
