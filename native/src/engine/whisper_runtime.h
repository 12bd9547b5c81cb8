// What a Whisper model, its encoder outputs and its decoder sessions share. Each holds a shared_ptr to it, so
// the weights and backend live as long as the last of them, whatever order the caller frees them in.
#pragma once

#include <memory>

#include "backend/backend.h"
#include "backend/cpu/thread_pool.h"
#include "formats/weight_store.h"
#include "model/whisper_weights.h"
#include "tensor/tensor.h"
#include "verbatim/engine.h"

namespace verbatim {

struct WhisperRuntime {
  std::unique_ptr<WeightStore> store;  // owns the mappings the weights view
  std::unique_ptr<Backend> backend;
  WhisperWeights weights;
  /**
   * On a GPU: host threads for a decoding step's per-row work (logit rules, the choice, log-probabilities —
   * ~0.1 ms a row over 51,866 logits, more than the GPU's step at batch 16). Null on the CPU, whose cores
   * compute the model.
   */
  std::unique_ptr<ThreadPool> decoding_threads;
};

/** Encoder output on the backend's device, tied to the runtime that computed it. */
class WhisperEncoderOutput final : public EncoderOutput {
 public:
  WhisperEncoderOutput(std::shared_ptr<WhisperRuntime> runtime, Tensor frames)
      : runtime_(std::move(runtime)), frames_(std::move(frames)) {}

  int n_batch() const override { return static_cast<int>(frames_.dim(0)); }
  void CopyTo(float* out) const override { runtime_->backend->Download(frames_, out); }

  const std::shared_ptr<WhisperRuntime>& runtime() const { return runtime_; }
  /** [n_batch, n_audio_ctx, n_audio_state]. */
  const Tensor& frames() const { return frames_; }

 private:
  std::shared_ptr<WhisperRuntime> runtime_;
  Tensor frames_;
};

}  // namespace verbatim
