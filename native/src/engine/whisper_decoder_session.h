// DecoderSession over WhisperDecoder: checks the caller's arguments, guards against concurrent use, and
// copies the logits out.
#pragma once

#include <atomic>
#include <memory>

#include "engine/whisper_runtime.h"
#include "model/whisper_decoder.h"
#include "verbatim/engine.h"

namespace verbatim {

class WhisperDecoderSession final : public DecoderSession {
 public:
  /** Computes the cross-attention keys and values of every layer for `audio` (the slow part of starting). */
  explicit WhisperDecoderSession(const WhisperEncoderOutput& audio);

  int n_batch() const override { return decoder_.n_batch(); }
  int length(int index) const override;
  /** @throws Error kInvalidArg (see DecoderSession), or when another call on this session is running. */
  void Append(const int32_t* tokens, int n_new, float* logits_out, Logits which) override;
  void AppendArgMax(const int32_t* tokens, int n_new, int32_t* next_out) override;
  /** @throws Error kInvalidArg for an index or length out of range. */
  void Truncate(int index, int length) override;

 private:
  void CheckAppend(const int32_t* tokens, int n_new, const void* out) const;
  void CheckIndex(const char* operation, int index) const;

  std::shared_ptr<WhisperRuntime> runtime_;
  WhisperDecoder decoder_;
  std::atomic<bool> busy_{false};
};

}  // namespace verbatim
