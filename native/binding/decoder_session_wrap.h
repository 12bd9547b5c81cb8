// JavaScript's DecoderSession: the decoder state of a batch of sequences (one per window of an
// EncoderOutput): the self-attention KV cache per sequence, each with its own length, and the cross-attention
// keys/values, computed by the first append() on a worker thread.
//
//   nBatch: number                                                 [sync getter]
//   append(tokens: Int32Array, nNew: number, all: boolean) → Promise<Float32Array>   [async]
//     tokens: nBatch rows of nNew tokens, row-major. Resolves with the logits of each sequence's last new
//     token (nBatch * nVocab floats) or, with `all`, of every new position (nBatch * nNew * nVocab floats).
//   truncate(index: number, length: number) → void                 [sync] keeps sequence `index`'s first
//   `length`
//     tokens (0 <= length <= length(index))
//   length(index: number) → number                                 [sync] tokens in sequence `index`'s cache
//   dispose() → Promise<void>                                      [async] idempotent
//
// Throws at once: E_INVALID_ARG (wrong argument), E_DISPOSED (after its or the model's dispose), E_INTERNAL
// (a call while another is in flight on the same model). append() rejects with the engine's error:
// E_INVALID_ARG (a token out of range, a sequence longer than nTextCtx), E_OOM, E_BACKEND.
#pragma once

#include <napi.h>

#include <memory>

#include "args.h"
#include "external_memory.h"
#include "model_handle.h"

namespace verbatim::binding {

class DecoderSessionWrap : public Napi::ObjectWrap<DecoderSessionWrap> {
 public:
  /** What the wrap owns; members are destroyed bottom-up: the session, then the audio it attends to, then the
   * model. */
  struct State {
    std::shared_ptr<ModelHandle> model;
    std::shared_ptr<const EncoderOutput> audio;
    /** Created by the first append(), on a worker thread. */
    std::unique_ptr<DecoderSession> session;
  };

  static Napi::Function Define(Napi::Env env);
  static Napi::Object NewInstance(Napi::Env env,
                                  std::shared_ptr<ModelHandle> model,
                                  std::shared_ptr<const EncoderOutput> audio);

  /** Not constructible from JavaScript: Model.newDecoderSession() creates sessions. */
  explicit DecoderSessionWrap(const Napi::CallbackInfo& info);
  /** Finalizer backstop for a session never disposed. */
  ~DecoderSessionWrap() override;

 private:
  Napi::Value NBatch(const Napi::CallbackInfo& info);
  Napi::Value Append(const Napi::CallbackInfo& info);
  Napi::Value Truncate(const Napi::CallbackInfo& info);
  Napi::Value Length(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);

  /** The state, or throws E_DISPOSED naming `operation` when the session or its model was disposed. */
  State& Live(Napi::Env env, const char* operation);
  /**
   * For the quick synchronous calls: throws unless the session is live and its model idle, then reads
   * argument 0 as a sequence index.
   */
  int IdleSequenceIndex(const Args& args);
  /** Tokens in sequence `index`'s cache; the lock must be idle. */
  int SequenceLength(int index) const;

  napi_env env_;
  int n_batch_ = 0;
  std::unique_ptr<State> state_;
  ExternalMemory memory_;
};

}  // namespace verbatim::binding
