#include "decoder_session_wrap.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "addon.h"
#include "args.h"
#include "errors.h"
#include "output_floats.h"
#include "promise_worker.h"
#include "release_worker.h"

namespace verbatim::binding {

namespace {

/**
 * What a session's caches hold at most: keys and values of every decoder layer for the audio
 * (cross-attention) and for n_text_ctx tokens (self-attention), per sequence. Reported to V8 when the session
 * is created.
 */
std::int64_t KvCacheBytes(const ModelDims& dims, int n_batch) {
  const std::int64_t keys_and_values = 2;
  return keys_and_values * dims.n_text_layer * n_batch *
         static_cast<std::int64_t>(dims.n_audio_ctx + dims.n_text_ctx) * dims.n_text_state *
         static_cast<std::int64_t>(sizeof(float));
}

class AppendWorker : public PromiseWorker {
 public:
  AppendWorker(Napi::Env env,
               ModelLease lease,
               DecoderSessionWrap::State& state,
               Napi::Object self,
               Napi::Int32Array tokens,
               int n_new,
               DecoderSession::Logits which,
               std::size_t n_logits)
      : PromiseWorker(env, "append", std::move(lease)),
        state_(state),
        tokens_(tokens.Data()),
        n_new_(n_new),
        which_(which),
        out_(env, n_logits) {
    KeepAlive(self);
    KeepAlive(tokens);
  }

 protected:
  void Run() override {
    if (!state_.session)
      state_.session = state_.model->model->NewDecoderSession(*state_.audio);
    state_.session->Append(tokens_, n_new_, out_.data(), which_);
  }
  Napi::Value Result(Napi::Env) override { return out_.Value(); }

 private:
  // The wrap (kept alive above) owns the state and refuses dispose() while this call holds the model's lock.
  DecoderSessionWrap::State& state_;
  const std::int32_t* tokens_;
  int n_new_;
  DecoderSession::Logits which_;
  OutputFloats out_;
};

}  // namespace

Napi::Function DecoderSessionWrap::Define(Napi::Env env) {
  return DefineClass(env, "DecoderSession",
                     {
                         InstanceAccessor<&DecoderSessionWrap::NBatch>("nBatch"),
                         InstanceMethod<&DecoderSessionWrap::Append>("append"),
                         InstanceMethod<&DecoderSessionWrap::Truncate>("truncate"),
                         InstanceMethod<&DecoderSessionWrap::Length>("length"),
                         InstanceMethod<&DecoderSessionWrap::Dispose>("dispose"),
                     });
}

Napi::Object DecoderSessionWrap::NewInstance(Napi::Env env,
                                             std::shared_ptr<ModelHandle> model,
                                             std::shared_ptr<const EncoderOutput> audio) {
  auto state = std::make_unique<State>(State{std::move(model), std::move(audio), nullptr});
  return VerbatimAddon::Of(env).decoder_session_class.New(
      {Napi::External<std::unique_ptr<State>>::New(env, &state)});
}

DecoderSessionWrap::DecoderSessionWrap(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<DecoderSessionWrap>(info), env_(info.Env()) {
  if (info.Length() != 1 || !info[0].IsExternal()) {
    ThrowError(info.Env(), ErrorCode::kInvalidArg,
               "[DecoderSession] not constructible from JavaScript: use Model.newDecoderSession()");
  }
  state_ = std::move(*info[0].As<Napi::External<std::unique_ptr<State>>>().Data());
  n_batch_ = state_->audio->n_batch();
  memory_.Add(env_, KvCacheBytes(state_->model->model->info().dims, n_batch_));
}

DecoderSessionWrap::~DecoderSessionWrap() {
  if (!state_)
    return;
  memory_.Clear(env_);
  const std::shared_ptr<ModelLock> lock = state_->model->lock;
  lock->ReleaseWhenIdle(std::shared_ptr<State>(std::move(state_)));
}

DecoderSessionWrap::State& DecoderSessionWrap::Live(Napi::Env env, const char* operation) {
  if (!state_) {
    ThrowError(env, ErrorCode::kDisposed,
               std::string("[") + operation + "] the decoder session was disposed");
  }
  if (state_->model->disposed) {
    ThrowError(env, ErrorCode::kDisposed, std::string("[") + operation + "] the model was disposed");
  }
  return *state_;
}

int DecoderSessionWrap::SequenceLength(int index) const {
  return state_->session ? state_->session->length(index) : 0;
}

Napi::Value DecoderSessionWrap::NBatch(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), n_batch_);
}

Napi::Value DecoderSessionWrap::Append(const Napi::CallbackInfo& info) {
  const Args args(info, "append");
  Napi::Env env = info.Env();
  State& state = Live(env, args.operation());
  const ModelDims& dims = state.model->model->info().dims;
  const int n_new = args.Int(1, "nNew", 1, dims.n_text_ctx);
  Napi::Int32Array tokens = args.Int32Array(0, "tokens", static_cast<std::int64_t>(n_batch_) * n_new);
  const bool all = args.Bool(2, "all");
  ModelLease lease = ModelLock::Acquire(state.model->lock, env, args.operation());
  const std::size_t n_logits = static_cast<std::size_t>(n_batch_) * (all ? n_new : 1) * dims.n_vocab;
  const DecoderSession::Logits which = all ? DecoderSession::Logits::kAll : DecoderSession::Logits::kLast;
  return (new AppendWorker(env, std::move(lease), state, Value(), tokens, n_new, which, n_logits))->Start();
}

int DecoderSessionWrap::IdleSequenceIndex(const Args& args) {
  Live(args.env(), args.operation()).model->lock->CheckIdle(args.env(), args.operation());
  return args.Int(0, "index", 0, n_batch_ - 1);
}

Napi::Value DecoderSessionWrap::Truncate(const Napi::CallbackInfo& info) {
  const Args args(info, "truncate");
  const int index = IdleSequenceIndex(args);
  const int length = args.Int(1, "length", 0, SequenceLength(index));
  if (state_->session) {
    try {
      state_->session->Truncate(index, length);
    } catch (...) {
      throw CaptureCurrentException(args.operation()).ToJs(info.Env());
    }
  }
  return info.Env().Undefined();
}

Napi::Value DecoderSessionWrap::Length(const Napi::CallbackInfo& info) {
  const Args args(info, "length");
  return Napi::Number::New(info.Env(), SequenceLength(IdleSequenceIndex(args)));
}

Napi::Value DecoderSessionWrap::Dispose(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!state_)
    return ResolvedPromise(env);
  ModelLease lease = ModelLock::Acquire(state_->model->lock, env, "dispose");
  std::shared_ptr<State> owned = std::move(state_);
  return (new ReleaseWorker(env, "dispose", std::move(lease), std::move(owned), std::move(memory_)))->Start();
}

}  // namespace verbatim::binding
