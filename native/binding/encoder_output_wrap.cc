#include "encoder_output_wrap.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "addon.h"
#include "errors.h"
#include "output_floats.h"
#include "promise_worker.h"
#include "release_worker.h"

namespace verbatim::binding {

namespace {

std::size_t OutputFloatCount(const ModelDims& dims, int n_batch) {
  return static_cast<std::size_t>(n_batch) * dims.n_audio_ctx * dims.n_audio_state;
}

class CopyOutputWorker : public PromiseWorker {
 public:
  CopyOutputWorker(Napi::Env env,
                   ModelLease lease,
                   std::shared_ptr<const EncoderOutput> output,
                   std::size_t n_floats,
                   Napi::Object self)
      : PromiseWorker(env, "toFloat32Array", std::move(lease)),
        output_(std::move(output)),
        out_(env, n_floats) {
    KeepAlive(self);
  }

 protected:
  void Run() override { output_->CopyTo(out_.data()); }
  Napi::Value Result(Napi::Env) override { return out_.Value(); }

 private:
  std::shared_ptr<const EncoderOutput> output_;
  OutputFloats out_;
};

}  // namespace

Napi::Function EncoderOutputWrap::Define(Napi::Env env) {
  return DefineClass(env, "EncoderOutput",
                     {
                         InstanceAccessor<&EncoderOutputWrap::NBatch>("nBatch"),
                         InstanceMethod<&EncoderOutputWrap::ToFloat32Array>("toFloat32Array"),
                         InstanceMethod<&EncoderOutputWrap::Dispose>("dispose"),
                     });
}

Napi::Object EncoderOutputWrap::NewInstance(Napi::Env env,
                                            std::shared_ptr<ModelHandle> model,
                                            std::unique_ptr<EncoderOutput> output) {
  State state{std::move(model), std::move(output)};
  return VerbatimAddon::Of(env).encoder_output_class.New({Napi::External<State>::New(env, &state)});
}

EncoderOutputWrap::EncoderOutputWrap(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<EncoderOutputWrap>(info), env_(info.Env()) {
  if (info.Length() != 1 || !info[0].IsExternal()) {
    ThrowError(info.Env(), ErrorCode::kInvalidArg,
               "[EncoderOutput] not constructible from JavaScript: use Model.encode()");
  }
  state_ = std::move(*info[0].As<Napi::External<State>>().Data());
  n_batch_ = state_.output->n_batch();
  const std::size_t n_floats = OutputFloatCount(state_.model->model->info().dims, n_batch_);
  memory_.Add(env_, static_cast<std::int64_t>(n_floats * sizeof(float)));
}

EncoderOutputWrap::~EncoderOutputWrap() {
  if (!state_.output)
    return;
  memory_.Clear(env_);
  const std::shared_ptr<ModelLock> lock = state_.model->lock;
  lock->ReleaseWhenIdle(std::make_shared<State>(std::move(state_)));
}

const std::shared_ptr<const EncoderOutput>& EncoderOutputWrap::Live(Napi::Env env,
                                                                    const char* operation) const {
  if (!state_.output) {
    ThrowError(env, ErrorCode::kDisposed, std::string("[") + operation + "] the encoder output was disposed");
  }
  if (state_.model->disposed) {
    ThrowError(env, ErrorCode::kDisposed, std::string("[") + operation + "] the model was disposed");
  }
  return state_.output;
}

Napi::Value EncoderOutputWrap::NBatch(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), n_batch_);
}

Napi::Value EncoderOutputWrap::ToFloat32Array(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* operation = "toFloat32Array";
  std::shared_ptr<const EncoderOutput> output = Live(env, operation);
  ModelLease lease = ModelLock::Acquire(state_.model->lock, env, operation);
  const std::size_t n_floats = OutputFloatCount(state_.model->model->info().dims, n_batch_);
  return (new CopyOutputWorker(env, std::move(lease), std::move(output), n_floats, Value()))->Start();
}

Napi::Value EncoderOutputWrap::Dispose(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!state_.output)
    return ResolvedPromise(env);
  ModelLease lease = ModelLock::Acquire(state_.model->lock, env, "dispose");
  auto owned = std::make_shared<State>(std::move(state_));
  return (new ReleaseWorker(env, "dispose", std::move(lease), std::move(owned), std::move(memory_)))->Start();
}

}  // namespace verbatim::binding
