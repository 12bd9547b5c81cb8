#include "engine/whisper_model.h"

#include <algorithm>
#include <mutex>

#include "audio/audio_constants.h"
#include "audio/log_mel.h"
#include "backend/create_backend.h"
#include "core/fail.h"
#include "engine/whisper_decoder_session.h"
#include "engine/whisper_runtime.h"
#include "model/decoding/special_tokens.h"
#include "model/decoding/whisper_decoding.h"
#include "model/whisper_encoder.h"

namespace verbatim {
namespace {

/** Host threads for a GPU model's decoding rows at most: a batch has 16 to 64 rows, each ~0.1 ms of work. */
constexpr int kMostDecodingThreads = 16;

class WhisperModel final : public Model {
 public:
  WhisperModel(std::shared_ptr<WhisperRuntime> runtime, ModelInfo info, int host_threads)
      : runtime_(std::move(runtime)), info_(std::move(info)), host_threads_(host_threads) {}

  const ModelInfo& info() const override { return info_; }

  void LogMel(const float* samples, std::size_t n_samples, float* out) const override {
    ComputeLogMel(samples, n_samples, info_.dims.n_mels, out);
  }

  void LogMelBatch(const float* const* samples,
                   const std::size_t* n_samples,
                   int n_batch,
                   float* out) const override {
    if (n_batch < 1)
      Fail(ErrorCode::kInvalidArg, "Model::LogMelBatch", "n_batch must be >= 1: ", n_batch);
    ComputeLogMelBatch(samples, n_samples, n_batch, info_.dims.n_mels, out, host_threads_);
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

  std::unique_ptr<EncoderOutput> EncodeSamples(const float* const* samples,
                                               const std::size_t* n_samples,
                                               int n_batch) const override {
    constexpr const char* kOperation = "Model::EncodeSamples";
    CheckWindows(samples, n_samples, n_batch, kOperation);
    Backend& backend = *runtime_->backend;
    Tensor windows = backend.Allocate({n_batch, static_cast<int64_t>(kWindowSamples)});
    for (int i = 0; i < n_batch; ++i) {
      // The rows are zero-filled (Allocate): a short window's padding is there already.
      const auto n_kept = static_cast<int64_t>(std::min(n_samples[i], kWindowSamples));
      if (n_kept > 0) {
        Tensor row = windows.View({n_kept}, i * static_cast<int64_t>(kWindowSamples));
        backend.Upload(samples[i], row);
      }
    }
    Tensor mel = backend.Allocate({n_batch, info_.dims.n_mels, static_cast<int64_t>(kWindowFrames)});
    backend.LogMel(windows, info_.dims.n_mels, mel);
    windows = Tensor();  // the samples are not needed by the encoder: free them before it runs
    Tensor frames = RunWhisperEncoder(backend, runtime_->weights, mel);
    return std::make_unique<WhisperEncoderOutput>(runtime_, std::move(frames));
  }

  std::unique_ptr<DecoderSession> NewDecoderSession(const EncoderOutput& audio) const override {
    return std::make_unique<WhisperDecoderSession>(OwnOutput(audio, "Model::NewDecoderSession"));
  }

  std::vector<std::vector<float>> DetectLanguage(const EncoderOutput& audio) const override {
    constexpr const char* kOperation = "Model::DetectLanguage";
    const WhisperEncoderOutput& output = OwnOutput(audio, kOperation);
    const SpecialTokens& special = Special(kOperation);
    if (!special.multilingual)
      Fail(ErrorCode::kInvalidArg, kOperation, "an English-only model has no language to detect");
    return DetectWindowLanguages(*runtime_->backend, runtime_->weights, output.frames(), special);
  }

  std::size_t PeakDeviceBytes() const override { return runtime_->backend->peak_device_bytes(); }

  std::vector<DecodeResult> Decode(const EncoderOutput& audio, const DecodeParams& params) const override {
    constexpr const char* kOperation = "Model::Decode";
    const WhisperEncoderOutput& output = OwnOutput(audio, kOperation);
    const SpecialTokens& special = Special(kOperation);
    const std::shared_ptr<const TokenBytes> token_bytes = CurrentTokenBytes();
    CheckDecodeParams(params, info_.dims, special, output.n_batch(), token_bytes != nullptr);
    return DecodeWindows(*runtime_->backend, runtime_->weights, output.frames(), special, params,
                         token_bytes.get(), runtime_->decoding_threads.get());
  }

  void SetTokenBytes(const uint8_t* bytes,
                     std::size_t n_bytes,
                     const uint32_t* offsets,
                     std::size_t n_offsets) override {
    if (n_offsets != static_cast<std::size_t>(info_.dims.n_vocab) + 1) {
      Fail(ErrorCode::kInvalidArg, "SetTokenBytes",
           "offsets must hold n_vocab + 1 = ", info_.dims.n_vocab + 1, " entries: ", n_offsets);
    }
    auto table = std::make_shared<const TokenBytes>(bytes, n_bytes, offsets, n_offsets);
    const std::lock_guard<std::mutex> lock(token_bytes_mutex_);
    token_bytes_ = std::move(table);
  }

 private:
  const WhisperEncoderOutput& OwnOutput(const EncoderOutput& audio, const char* operation) const {
    const auto* whisper_audio = dynamic_cast<const WhisperEncoderOutput*>(&audio);
    if (whisper_audio == nullptr || whisper_audio->runtime() != runtime_)
      Fail(ErrorCode::kInvalidArg, operation, "the encoder output comes from another model");
    return *whisper_audio;
  }

  /** EncodeSamples' windows: n_batch >= 1 and a pointer wherever there are samples. */
  static void CheckWindows(const float* const* samples,
                           const std::size_t* n_samples,
                           int n_batch,
                           const char* operation) {
    if (n_batch < 1)
      Fail(ErrorCode::kInvalidArg, operation, "n_batch must be >= 1: ", n_batch);
    if (samples == nullptr || n_samples == nullptr)
      Fail(ErrorCode::kInvalidArg, operation, "samples and n_samples must not be null");
    for (int i = 0; i < n_batch; ++i) {
      if (samples[i] == nullptr && n_samples[i] > 0) {
        Fail(ErrorCode::kInvalidArg, operation, "samples[", i, "] is null but n_samples[", i, "] is ",
             n_samples[i]);
      }
    }
  }

  const SpecialTokens& Special(const char* operation) const {
    if (!info_.special_tokens) {
      Fail(ErrorCode::kInvalidArg, operation, "no Whisper vocabulary has n_vocab = ", info_.dims.n_vocab,
           " tokens: the special tokens are unknown");
    }
    return *info_.special_tokens;
  }

  std::shared_ptr<const TokenBytes> CurrentTokenBytes() const {
    const std::lock_guard<std::mutex> lock(token_bytes_mutex_);
    return token_bytes_;
  }

  std::shared_ptr<WhisperRuntime> runtime_;
  ModelInfo info_;
  /** ModelLoadParams::n_threads as asked (0: every hardware thread): the CUDA backend computes with one. */
  int host_threads_;
  mutable std::mutex token_bytes_mutex_;
  std::shared_ptr<const TokenBytes> token_bytes_;
};

}  // namespace

std::unique_ptr<Model> CreateWhisperModel(std::unique_ptr<WeightStore> store, const ModelLoadParams& params) {
  auto runtime = std::make_shared<WhisperRuntime>();
  BackendChoice choice = CreateBackend(params.device, params.n_threads, params.gpu_memory);
  runtime->backend = std::move(choice.backend);
  runtime->weights = LoadWhisperWeights(*store, *runtime->backend);
  if (runtime->backend->device() != Device::kCpu) {
    const int asked = params.n_threads == 0 ? AvailableHardwareThreads() : params.n_threads;
    runtime->decoding_threads = std::make_unique<ThreadPool>(std::clamp(asked, 1, kMostDecodingThreads));
  }
  ModelInfo info;
  info.dims = runtime->weights.dims;
  info.special_tokens = WhisperSpecialTokens(info.dims.n_vocab);
  info.format = store->format();
  // The token embedding is the largest tensor: its dtype is the model's.
  info.weight_dtype = runtime->weights.decoder.token_embedding.dtype();
  info.weight_bytes = store->stored_bytes();
  info.weight_copy_bytes = store->copied_bytes() + runtime->backend->weight_copy_bytes();
  info.n_threads = runtime->backend->n_threads();
  info.backend = runtime->backend->name();
  info.backend_note = choice.note;
  info.device_name = runtime->backend->device_name();
  runtime->store = std::move(store);
  return std::make_unique<WhisperModel>(std::move(runtime), std::move(info), params.n_threads);
}

}  // namespace verbatim
