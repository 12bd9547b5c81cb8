#include "model_wrap.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "addon.h"
#include "args.h"
#include "decode_options.h"
#include "decoder_session_wrap.h"
#include "encoder_output_wrap.h"
#include "errors.h"
#include "output_floats.h"
#include "promise_worker.h"
#include "release_worker.h"

namespace verbatim::binding {

namespace {

/** Frames in one 30 s log-mel window: 480000 samples / hop 160. */
constexpr std::int64_t kFramesPerWindow = 3000;
/** More windows than one encode call could hold in memory. */
constexpr int kMaxEncodeBatch = 1 << 16;

std::int64_t MelFloatsPerWindow(const ModelDims& dims) {
  return dims.n_mels * kFramesPerWindow;
}

Napi::Object DimsToJs(Napi::Env env, const ModelDims& dims) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("nMels", dims.n_mels);
  out.Set("nAudioCtx", dims.n_audio_ctx);
  out.Set("nAudioState", dims.n_audio_state);
  out.Set("nAudioHead", dims.n_audio_head);
  out.Set("nAudioLayer", dims.n_audio_layer);
  out.Set("nVocab", dims.n_vocab);
  out.Set("nTextCtx", dims.n_text_ctx);
  out.Set("nTextState", dims.n_text_state);
  out.Set("nTextHead", dims.n_text_head);
  out.Set("nTextLayer", dims.n_text_layer);
  return out;
}

/**
 * A batch of windows' samples, read in place: the pointers and lengths Model::LogMelBatch and EncodeSamples
 * take (a null pointer for an empty window). The worker holding it keeps the arrays alive.
 */
struct WindowSamples {
  explicit WindowSamples(const std::vector<Napi::Float32Array>& windows) {
    samples.reserve(windows.size());
    n_samples.reserve(windows.size());
    for (const Napi::Float32Array& window : windows) {
      samples.push_back(window.ElementLength() == 0 ? nullptr : window.Data());
      n_samples.push_back(window.ElementLength());
    }
  }
  int n_batch() const { return static_cast<int>(samples.size()); }

  std::vector<const float*> samples;
  std::vector<std::size_t> n_samples;
};

/**
 * Argument 0 as 1 to kMaxEncodeBatch Float32Arrays, or throws E_INVALID_ARG "[operation] windows …" naming
 * the bad value.
 */
std::vector<Napi::Float32Array> WindowsArg(const Napi::CallbackInfo& info, const char* operation) {
  Napi::Env env = info.Env();
  const std::string prefix = std::string("[") + operation + "] windows";
  if (info.Length() < 1 || !info[0].IsArray()) {
    ThrowError(env, ErrorCode::kInvalidArg,
               prefix + " must be an Array of Float32Array: got " +
                   (info.Length() < 1 ? std::string("nothing") : DescribeValue(info[0])));
  }
  const auto array = info[0].As<Napi::Array>();
  const std::uint32_t n_windows = array.Length();
  if (n_windows < 1 || n_windows > static_cast<std::uint32_t>(kMaxEncodeBatch)) {
    ThrowError(env, ErrorCode::kInvalidArg,
               prefix + " must hold 1 to " + std::to_string(kMaxEncodeBatch) + " Float32Arrays: got " +
                   std::to_string(n_windows));
  }
  std::vector<Napi::Float32Array> windows;
  windows.reserve(n_windows);
  for (std::uint32_t i = 0; i < n_windows; ++i) {
    const Napi::Value window = array.Get(i);
    if (!window.IsTypedArray() || window.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
      ThrowError(env, ErrorCode::kInvalidArg,
                 prefix + "[" + std::to_string(i) + "] must be a Float32Array: got " + DescribeValue(window));
    }
    windows.push_back(window.As<Napi::Float32Array>());
  }
  return windows;
}

class LogMelWorker : public PromiseWorker {
 public:
  LogMelWorker(Napi::Env env,
               ModelLease lease,
               std::shared_ptr<ModelHandle> handle,
               Napi::Object self,
               Napi::Float32Array samples)
      : PromiseWorker(env, "logMel", std::move(lease)),
        handle_(std::move(handle)),
        samples_(samples.Data()),
        n_samples_(samples.ElementLength()),
        out_(env, MelFloatsPerWindow(handle_->model->info().dims)) {
    KeepAlive(self);
    KeepAlive(samples);
  }

 protected:
  void Run() override { handle_->model->LogMel(samples_, n_samples_, out_.data()); }
  Napi::Value Result(Napi::Env) override { return out_.Value(); }

 private:
  std::shared_ptr<ModelHandle> handle_;
  const float* samples_;
  std::size_t n_samples_;
  OutputFloats out_;
};

/** The log-mel of a batch of windows in one call (Model::LogMelBatch): the encoder's input,
 * [batch][nMels][3000]. */
class LogMelBatchWorker : public PromiseWorker {
 public:
  LogMelBatchWorker(Napi::Env env,
                    ModelLease lease,
                    std::shared_ptr<ModelHandle> handle,
                    Napi::Object self,
                    const std::vector<Napi::Float32Array>& windows)
      : PromiseWorker(env, "logMelBatch", std::move(lease)),
        handle_(std::move(handle)),
        windows_(windows),
        out_(env,
             static_cast<std::int64_t>(windows.size()) * MelFloatsPerWindow(handle_->model->info().dims)) {
    KeepAlive(self);
    for (const Napi::Float32Array& window : windows)
      KeepAlive(window);
  }

 protected:
  void Run() override {
    handle_->model->LogMelBatch(windows_.samples.data(), windows_.n_samples.data(), windows_.n_batch(),
                                out_.data());
  }
  Napi::Value Result(Napi::Env) override { return out_.Value(); }

 private:
  std::shared_ptr<ModelHandle> handle_;
  WindowSamples windows_;
  OutputFloats out_;
};

class EncodeWorker : public PromiseWorker {
 public:
  EncodeWorker(Napi::Env env,
               ModelLease lease,
               std::shared_ptr<ModelHandle> handle,
               Napi::Object self,
               Napi::Float32Array mel,
               int n_batch)
      : PromiseWorker(env, "encode", std::move(lease)),
        handle_(std::move(handle)),
        mel_(mel.Data()),
        n_batch_(n_batch) {
    KeepAlive(self);
    KeepAlive(mel);
  }

 protected:
  void Run() override { output_ = handle_->model->Encode(mel_, n_batch_); }
  Napi::Value Result(Napi::Env env) override {
    return EncoderOutputWrap::NewInstance(env, handle_, std::move(output_));
  }

 private:
  std::shared_ptr<ModelHandle> handle_;
  const float* mel_;
  int n_batch_;
  std::unique_ptr<EncoderOutput> output_;
};

/** The encoder on a batch of windows' samples, their log-mel computed where the encoder runs
 * (Model::EncodeSamples). */
class EncodeSamplesWorker : public PromiseWorker {
 public:
  EncodeSamplesWorker(Napi::Env env,
                      ModelLease lease,
                      std::shared_ptr<ModelHandle> handle,
                      Napi::Object self,
                      const std::vector<Napi::Float32Array>& windows)
      : PromiseWorker(env, "encodeSamples", std::move(lease)), handle_(std::move(handle)), windows_(windows) {
    KeepAlive(self);
    for (const Napi::Float32Array& window : windows)
      KeepAlive(window);
  }

 protected:
  void Run() override {
    output_ =
        handle_->model->EncodeSamples(windows_.samples.data(), windows_.n_samples.data(), windows_.n_batch());
  }
  Napi::Value Result(Napi::Env env) override {
    return EncoderOutputWrap::NewInstance(env, handle_, std::move(output_));
  }

 private:
  std::shared_ptr<ModelHandle> handle_;
  WindowSamples windows_;
  std::unique_ptr<EncoderOutput> output_;
};

/** Work on one encoder output of the model: detectLanguage() and decode(). */
class EncoderOutputWorker : public PromiseWorker {
 protected:
  EncoderOutputWorker(Napi::Env env,
                      const char* operation,
                      ModelLease lease,
                      std::shared_ptr<ModelHandle> handle,
                      std::shared_ptr<const EncoderOutput> audio,
                      Napi::Object self)
      : PromiseWorker(env, operation, std::move(lease)),
        handle_(std::move(handle)),
        audio_(std::move(audio)) {
    KeepAlive(self);
  }

  std::shared_ptr<ModelHandle> handle_;
  std::shared_ptr<const EncoderOutput> audio_;
};

class DetectLanguageWorker : public EncoderOutputWorker {
 public:
  DetectLanguageWorker(Napi::Env env,
                       ModelLease lease,
                       std::shared_ptr<ModelHandle> handle,
                       std::shared_ptr<const EncoderOutput> audio,
                       Napi::Object self)
      : EncoderOutputWorker(
            env, "detectLanguage", std::move(lease), std::move(handle), std::move(audio), self) {}

 protected:
  void Run() override { probabilities_ = handle_->model->DetectLanguage(*audio_); }
  Napi::Value Result(Napi::Env env) override {
    const std::size_t per_window = probabilities_.empty() ? 0 : probabilities_.front().size();
    Napi::Float32Array out = Napi::Float32Array::New(env, probabilities_.size() * per_window);
    for (std::size_t w = 0; w < probabilities_.size(); ++w)
      std::copy(probabilities_[w].begin(), probabilities_[w].end(), out.Data() + w * per_window);
    return out;
  }

 private:
  std::vector<std::vector<float>> probabilities_;
};

class DecodeWorker : public EncoderOutputWorker {
 public:
  DecodeWorker(Napi::Env env,
               ModelLease lease,
               std::shared_ptr<ModelHandle> handle,
               std::shared_ptr<const EncoderOutput> audio,
               Napi::Object self,
               DecodeParams params)
      : EncoderOutputWorker(env, "decode", std::move(lease), std::move(handle), std::move(audio), self),
        params_(std::move(params)) {}

 protected:
  void Run() override { results_ = handle_->model->Decode(*audio_, params_); }
  Napi::Value Result(Napi::Env env) override { return DecodeResultsToJs(env, results_); }

 private:
  DecodeParams params_;
  std::vector<DecodeResult> results_;
};

class SetTokenBytesWorker : public PromiseWorker {
 public:
  SetTokenBytesWorker(Napi::Env env,
                      ModelLease lease,
                      std::shared_ptr<ModelHandle> handle,
                      Napi::Object self,
                      Napi::Uint8Array bytes,
                      Napi::Uint32Array offsets)
      : PromiseWorker(env, "setTokenBytes", std::move(lease)),
        handle_(std::move(handle)),
        bytes_(bytes.Data()),
        n_bytes_(bytes.ElementLength()),
        offsets_(offsets.Data()),
        n_offsets_(offsets.ElementLength()) {
    KeepAlive(self);
    KeepAlive(bytes);
    KeepAlive(offsets);
  }

 protected:
  void Run() override { handle_->model->SetTokenBytes(bytes_, n_bytes_, offsets_, n_offsets_); }

 private:
  std::shared_ptr<ModelHandle> handle_;
  const uint8_t* bytes_;
  std::size_t n_bytes_;
  const uint32_t* offsets_;
  std::size_t n_offsets_;
};

}  // namespace

Napi::Function ModelWrap::Define(Napi::Env env) {
  return DefineClass(env, "Model",
                     {
                         InstanceMethod<&ModelWrap::Info>("info"),
                         InstanceMethod<&ModelWrap::LogMel>("logMel"),
                         InstanceMethod<&ModelWrap::LogMelBatch>("logMelBatch"),
                         InstanceMethod<&ModelWrap::Encode>("encode"),
                         InstanceMethod<&ModelWrap::EncodeSamples>("encodeSamples"),
                         InstanceMethod<&ModelWrap::NewDecoderSession>("newDecoderSession"),
                         InstanceMethod<&ModelWrap::DetectLanguage>("detectLanguage"),
                         InstanceMethod<&ModelWrap::Decode>("decode"),
                         InstanceMethod<&ModelWrap::SetTokenBytes>("setTokenBytes"),
                         InstanceMethod<&ModelWrap::Dispose>("dispose"),
                     });
}

Napi::Object ModelWrap::NewInstance(Napi::Env env, std::shared_ptr<ModelHandle> handle) {
  return VerbatimAddon::Of(env).model_class.New(
      {Napi::External<std::shared_ptr<ModelHandle>>::New(env, &handle)});
}

ModelWrap::ModelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ModelWrap>(info), env_(info.Env()) {
  if (info.Length() != 1 || !info[0].IsExternal()) {
    ThrowError(info.Env(), ErrorCode::kInvalidArg,
               "[Model] not constructible from JavaScript: use loadModel()");
  }
  handle_ = *info[0].As<Napi::External<std::shared_ptr<ModelHandle>>>().Data();
  const ModelInfo& model_info = handle_->model->info();
  memory_.Add(env_, static_cast<std::int64_t>(model_info.weight_bytes + model_info.weight_copy_bytes));
}

ModelWrap::~ModelWrap() {
  if (!handle_)
    return;
  memory_.Clear(env_);
  const std::shared_ptr<ModelLock> lock = handle_->lock;
  lock->ReleaseWhenIdle(std::move(handle_));
}

const std::shared_ptr<ModelHandle>& ModelWrap::Live(Napi::Env env, const char* operation) const {
  if (!handle_)
    ThrowError(env, ErrorCode::kDisposed, std::string("[") + operation + "] the model was disposed");
  return handle_;
}

Napi::Value ModelWrap::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const ModelInfo& model_info = Live(env, "info")->model->info();
  Napi::Object out = Napi::Object::New(env);
  out.Set("dims", DimsToJs(env, model_info.dims));
  out.Set("specialTokens", model_info.special_tokens
                               ? Napi::Value(SpecialTokensToJs(env, *model_info.special_tokens))
                               : env.Null());
  out.Set("format", ModelFormatName(model_info.format));
  out.Set("weightDtype", DTypeName(model_info.weight_dtype));
  out.Set("weightBytes", static_cast<double>(model_info.weight_bytes));
  out.Set("weightCopyBytes", static_cast<double>(model_info.weight_copy_bytes));
  out.Set("threads", model_info.n_threads);
  out.Set("backend", model_info.backend);
  out.Set("backendNote", model_info.backend_note);
  out.Set("deviceName", model_info.device_name);
  return out;
}

Napi::Value ModelWrap::LogMel(const Napi::CallbackInfo& info) {
  const Args args(info, "logMel");
  Napi::Env env = info.Env();
  const std::shared_ptr<ModelHandle>& handle = Live(env, args.operation());
  Napi::Float32Array samples = args.Float32Array(0, "samples");
  ModelLease lease = ModelLock::Acquire(handle->lock, env, args.operation());
  return (new LogMelWorker(env, std::move(lease), handle, Value(), samples))->Start();
}

Napi::Value ModelWrap::LogMelBatch(const Napi::CallbackInfo& info) {
  const Args args(info, "logMelBatch");
  Napi::Env env = info.Env();
  const std::shared_ptr<ModelHandle>& handle = Live(env, args.operation());
  const std::vector<Napi::Float32Array> windows = WindowsArg(info, args.operation());
  ModelLease lease = ModelLock::Acquire(handle->lock, env, args.operation());
  return (new LogMelBatchWorker(env, std::move(lease), handle, Value(), windows))->Start();
}

Napi::Value ModelWrap::Encode(const Napi::CallbackInfo& info) {
  const Args args(info, "encode");
  Napi::Env env = info.Env();
  const std::shared_ptr<ModelHandle>& handle = Live(env, args.operation());
  const int n_batch = args.Int(1, "nBatch", 1, kMaxEncodeBatch);
  Napi::Float32Array mel =
      args.Float32Array(0, "mel", n_batch * MelFloatsPerWindow(handle->model->info().dims));
  ModelLease lease = ModelLock::Acquire(handle->lock, env, args.operation());
  return (new EncodeWorker(env, std::move(lease), handle, Value(), mel, n_batch))->Start();
}

Napi::Value ModelWrap::EncodeSamples(const Napi::CallbackInfo& info) {
  const Args args(info, "encodeSamples");
  Napi::Env env = info.Env();
  const std::shared_ptr<ModelHandle>& handle = Live(env, args.operation());
  const std::vector<Napi::Float32Array> windows = WindowsArg(info, args.operation());
  ModelLease lease = ModelLock::Acquire(handle->lock, env, args.operation());
  return (new EncodeSamplesWorker(env, std::move(lease), handle, Value(), windows))->Start();
}

std::shared_ptr<const EncoderOutput> ModelWrap::OwnEncoderOutput(const Args& args, std::size_t index) const {
  Napi::Env env = args.env();
  const std::shared_ptr<ModelHandle>& handle = Live(env, args.operation());
  Napi::Object object = args.Object(index, "encoderOutput");
  if (!object.InstanceOf(VerbatimAddon::Of(env).encoder_output_class.Value())) {
    ThrowError(env, ErrorCode::kInvalidArg,
               std::string("[") + args.operation() + "] encoderOutput must be an EncoderOutput: got " +
                   DescribeValue(object));
  }
  const EncoderOutputWrap* output = EncoderOutputWrap::Unwrap(object);
  std::shared_ptr<const EncoderOutput> audio = output->Live(env, args.operation());
  if (output->model() != handle) {
    ThrowError(env, ErrorCode::kInvalidArg,
               std::string("[") + args.operation() + "] encoderOutput belongs to another model");
  }
  return audio;
}

Napi::Value ModelWrap::NewDecoderSession(const Napi::CallbackInfo& info) {
  const Args args(info, "newDecoderSession");
  std::shared_ptr<const EncoderOutput> audio = OwnEncoderOutput(args, 0);
  return DecoderSessionWrap::NewInstance(info.Env(), handle_, std::move(audio));
}

Napi::Value ModelWrap::DetectLanguage(const Napi::CallbackInfo& info) {
  const Args args(info, "detectLanguage");
  Napi::Env env = info.Env();
  std::shared_ptr<const EncoderOutput> audio = OwnEncoderOutput(args, 0);
  ModelLease lease = ModelLock::Acquire(handle_->lock, env, args.operation());
  return (new DetectLanguageWorker(env, std::move(lease), handle_, std::move(audio), Value()))->Start();
}

Napi::Value ModelWrap::Decode(const Napi::CallbackInfo& info) {
  const Args args(info, "decode");
  Napi::Env env = info.Env();
  std::shared_ptr<const EncoderOutput> audio = OwnEncoderOutput(args, 0);
  DecodeParams params = ReadDecodeParams(env, args.Object(1, "options"));
  ModelLease lease = ModelLock::Acquire(handle_->lock, env, args.operation());
  return (new DecodeWorker(env, std::move(lease), handle_, std::move(audio), Value(), std::move(params)))
      ->Start();
}

Napi::Value ModelWrap::SetTokenBytes(const Napi::CallbackInfo& info) {
  const Args args(info, "setTokenBytes");
  Napi::Env env = info.Env();
  const std::shared_ptr<ModelHandle>& handle = Live(env, args.operation());
  Napi::Uint8Array bytes = args.Uint8Array(0, "bytes");
  Napi::Uint32Array offsets = args.Uint32Array(1, "offsets");
  ModelLease lease = ModelLock::Acquire(handle->lock, env, args.operation());
  return (new SetTokenBytesWorker(env, std::move(lease), handle, Value(), bytes, offsets))->Start();
}

Napi::Value ModelWrap::Dispose(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!handle_)
    return ResolvedPromise(env);
  ModelLease lease = ModelLock::Acquire(handle_->lock, env, "dispose");
  handle_->disposed = true;
  return (new ReleaseWorker(env, "dispose", std::move(lease), std::move(handle_), std::move(memory_)))
      ->Start();
}

}  // namespace verbatim::binding
