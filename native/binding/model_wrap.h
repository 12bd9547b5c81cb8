// JavaScript's Model: one loaded Whisper model (verbatim::Model) behind the per-model lock.
//
//   info() → ModelInfo                                           [sync]
//     { dims: { nMels, nAudioCtx, nAudioState, nAudioHead, nAudioLayer, nVocab, nTextCtx, nTextState,
//     nTextHead,
//       nTextLayer }, specialTokens: { endOfText, startOfTranscript, … } | null, format, weightDtype,
//       weightBytes, weightCopyBytes, threads, backend }
//   logMel(samples: Float32Array) → Promise<Float32Array>        [async]
//     One 30 s window's log-mel (samples padded or trimmed to 480000), nMels * 3000 floats, mel-major.
//   logMelBatch(windows: Float32Array[]) → Promise<Float32Array>   [async]
//     logMel of 1 to 65536 windows in one call, [nBatch][nMels][3000].
//   encode(mel: Float32Array, nBatch: number) → Promise<EncoderOutput>   [async]
//     `mel` holds nBatch * nMels * 3000 floats, [nBatch][nMels][3000].
//   encodeSamples(windows: Float32Array[]) → Promise<EncoderOutput>   [async]
//     encode(logMelBatch(windows)) in one call, the log-mel computed where the encoder runs.
//   newDecoderSession(output: EncoderOutput) → DecoderSession    [sync; the session's cross-attention is
//   computed
//     by its first append(), on a worker thread]
//   detectLanguage(output: EncoderOutput) → Promise<Float32Array>   [async]
//     nBatch * nLanguages probabilities: softmax over the language tokens after <|startoftranscript|>.
//   decode(output: EncoderOutput, options: object) → Promise<object[]>   [async]
//     verbatim::Model::Decode; the options and results are described in decode_options.h.
//   setTokenBytes(bytes: Uint8Array, offsets: Uint32Array) → Promise<void>   [async]
//     every token's raw bytes (nVocab + 1 offsets), for compression ratios; copied.
//   dispose() → Promise<void>                                    [async] idempotent; frees the model off the
//   main
//     thread once its encoder outputs and sessions are gone too (they share it).
//
// Inputs are read in place (zero copy) and kept referenced until the call settles; outputs are written once,
// into a typed array allocated on the main thread before the work starts. Throws at once: E_INVALID_ARG
// (wrong argument), E_DISPOSED (after dispose), E_INTERNAL (a call while another is in flight on the same
// model). Rejects with the engine's error: E_INVALID_ARG, E_OOM, E_BACKEND, E_INTERNAL.
#pragma once

#include <napi.h>

#include <memory>

#include "args.h"
#include "external_memory.h"
#include "model_handle.h"

namespace verbatim::binding {

class ModelWrap : public Napi::ObjectWrap<ModelWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  static Napi::Object NewInstance(Napi::Env env, std::shared_ptr<ModelHandle> handle);

  /** Not constructible from JavaScript: loadModel() creates models. */
  explicit ModelWrap(const Napi::CallbackInfo& info);
  /** Finalizer backstop for a model never disposed. */
  ~ModelWrap() override;

 private:
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value LogMel(const Napi::CallbackInfo& info);
  Napi::Value LogMelBatch(const Napi::CallbackInfo& info);
  Napi::Value Encode(const Napi::CallbackInfo& info);
  Napi::Value EncodeSamples(const Napi::CallbackInfo& info);
  Napi::Value NewDecoderSession(const Napi::CallbackInfo& info);
  Napi::Value DetectLanguage(const Napi::CallbackInfo& info);
  Napi::Value Decode(const Napi::CallbackInfo& info);
  Napi::Value SetTokenBytes(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);

  /** The handle, or throws E_DISPOSED naming `operation`. */
  const std::shared_ptr<ModelHandle>& Live(Napi::Env env, const char* operation) const;
  /** Argument `index` as a live EncoderOutput of this model, or throws E_INVALID_ARG / E_DISPOSED. */
  std::shared_ptr<const EncoderOutput> OwnEncoderOutput(const Args& args, std::size_t index) const;

  napi_env env_;
  std::shared_ptr<ModelHandle> handle_;
  ExternalMemory memory_;
};

}  // namespace verbatim::binding
