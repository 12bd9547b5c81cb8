#include "engine/whisper_model.h"

#include "audio/log_mel.h"
#include "backend/cpu/cpu_backend.h"
#include "core/fail.h"
#include "engine/whisper_decoder_session.h"
#include "engine/whisper_runtime.h"
#include "model/whisper_encoder.h"

namespace verbatim {
namespace {

class WhisperModel final : public Model {
 public:
  WhisperModel(std::shared_ptr<WhisperRuntime> runtime, ModelInfo info)
      : runtime_(std::move(runtime)), info_(std::move(info)) {}

  const ModelInfo& info() const override { return info_; }

  void LogMel(const float* samples, std::size_t n_samples, float* out) const override {
    ComputeLogMel(samples, n_samples, info_.dims.n_mels, out);
  }

  std::unique_ptr<EncoderOutput> Encode(const float* mel, int n_batch) const override {
    if (n_batch < 1)
      Fail(ErrorCode::kInvalidArg, "Model::Encode", "n_batch must be >= 1: ", n_batch);
    if (mel == nullptr)
      Fail(ErrorCode::kInvalidArg, "Model::Encode", "mel must not be null");
    Backend& backend = *runtime_->backend;
    Tensor device_mel = backend.Allocate({n_batch, info_.dims.n_mels, 2 * info_.dims.n_audio_ctx});
    backend.Upload(mel, device_mel);
    Tensor frames = RunWhisperEncoder(backend, runtime_->weights, device_mel);
    return std::make_unique<WhisperEncoderOutput>(runtime_, std::move(frames));
  }

  std::unique_ptr<DecoderSession> NewDecoderSession(const EncoderOutput& audio) const override {
    const auto* whisper_audio = dynamic_cast<const WhisperEncoderOutput*>(&audio);
    if (whisper_audio == nullptr || whisper_audio->runtime() != runtime_) {
      Fail(ErrorCode::kInvalidArg, "Model::NewDecoderSession", "the encoder output comes from another model");
    }
    return std::make_unique<WhisperDecoderSession>(*whisper_audio);
  }

 private:
  std::shared_ptr<WhisperRuntime> runtime_;
  ModelInfo info_;
};

}  // namespace

std::unique_ptr<Model> CreateWhisperModel(std::unique_ptr<WeightStore> store, const ModelLoadParams& params) {
  auto runtime = std::make_shared<WhisperRuntime>();
  runtime->backend = std::make_unique<CpuBackend>(params.n_threads);
  runtime->weights = LoadWhisperWeights(*store, *runtime->backend);
  ModelInfo info;
  info.dims = runtime->weights.dims;
  info.format = store->format();
  // The token embedding is the largest tensor: its dtype is the model's.
  info.weight_dtype = runtime->weights.decoder.token_embedding.dtype();
  info.weight_bytes = store->stored_bytes();
  info.weight_copy_bytes = store->copied_bytes() + runtime->backend->weight_copy_bytes();
  info.n_threads = runtime->backend->n_threads();
  info.backend = runtime->backend->name();
  runtime->store = std::move(store);
  return std::make_unique<WhisperModel>(std::move(runtime), std::move(info));
}

}  // namespace verbatim
