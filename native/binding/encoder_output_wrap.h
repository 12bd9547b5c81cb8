// JavaScript's EncoderOutput: the encoder's output for a batch of windows, [nBatch, nAudioCtx, nAudioState]
// float32, held by the engine (on the model's backend).
//
//   nBatch: number                                   [sync getter]
//   toFloat32Array() → Promise<Float32Array>         [async] a copy, nBatch * nAudioCtx * nAudioState floats
//   dispose() → Promise<void>                        [async] idempotent; decoder sessions made from this
//   output
//                                                    keep it alive until they are disposed too
//
// Throws at once: E_DISPOSED (after dispose, or after the model's dispose), E_INTERNAL (a call while another
// is in flight on the same model).
#pragma once

#include <napi.h>

#include <memory>

#include "external_memory.h"
#include "model_handle.h"

namespace verbatim::binding {

class EncoderOutputWrap : public Napi::ObjectWrap<EncoderOutputWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  static Napi::Object NewInstance(Napi::Env env,
                                  std::shared_ptr<ModelHandle> model,
                                  std::unique_ptr<EncoderOutput> output);

  /** Not constructible from JavaScript: Model.encode() creates encoder outputs. */
  explicit EncoderOutputWrap(const Napi::CallbackInfo& info);
  /** Finalizer backstop for an output never disposed. */
  ~EncoderOutputWrap() override;

  /** The output, or throws E_DISPOSED naming `operation` when it or its model was disposed. */
  const std::shared_ptr<const EncoderOutput>& Live(Napi::Env env, const char* operation) const;
  const std::shared_ptr<ModelHandle>& model() const { return state_.model; }

 private:
  /** What the wrap owns; members are destroyed bottom-up, so the output goes before the model it came from.
   */
  struct State {
    std::shared_ptr<ModelHandle> model;
    std::shared_ptr<const EncoderOutput> output;
  };

  Napi::Value NBatch(const Napi::CallbackInfo& info);
  Napi::Value ToFloat32Array(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);

  napi_env env_;
  int n_batch_ = 0;
  State state_;
  ExternalMemory memory_;
};

}  // namespace verbatim::binding
