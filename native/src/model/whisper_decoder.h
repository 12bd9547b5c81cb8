// Whisper's text decoder with its caches: token + positional embedding → pre-LN blocks [causal self-attention
// over a KV cache, cross-attention to the audio, MLP] → LayerNorm → logits against the token embedding
// (tied).
#pragma once

#include <vector>

#include "backend/backend.h"
#include "model/whisper_weights.h"
#include "tensor/tensor.h"

namespace verbatim {

/**
 * The decoder state of a batch of sequences, one per encoded window: per layer, the cross-attention keys and
 * values (computed once from the audio) and the self-attention KV cache (n_text_ctx positions, allocated up
 * front), plus each sequence's length. Sequences start empty; every Append adds the same number of tokens to
 * each, but Truncate lets lengths differ, so each sequence keeps its own positions and causal mask.
 *
 * Arguments are checked by the caller (the engine's DecoderSession). Not thread-safe: one call at a time.
 * Holds references to `backend` and `weights`, which must outlive it.
 */
class WhisperDecoder {
 public:
  /** @param audio the encoder's output [n_batch, n_audio_ctx, d] on the backend's device. */
  WhisperDecoder(Backend& backend, const WhisperWeights& weights, const Tensor& audio);

  int n_batch() const { return static_cast<int>(lengths_.size()); }
  int length(int index) const { return lengths_[index]; }

  /**
   * Appends n_new tokens to every sequence and returns the logits on the backend's device: [n_batch, 1,
   * n_vocab] for each sequence's last new token, or [n_batch, n_new, n_vocab] for every new position when
   * `all_positions`. The tensor is valid until the next call.
   * @param tokens n_batch rows of n_new token ids, each in [0, n_vocab); lengths + n_new <= n_text_ctx.
   */
  const Tensor& Append(const int32_t* tokens, int n_new, bool all_positions);

  /** Keeps the first `length` (<= its current length) tokens of sequence `index`. */
  void Truncate(int index, int length) { lengths_[index] = length; }

 private:
  struct LayerCache {
    Tensor cross_keys, cross_values;  // [n_batch, n_audio_ctx, d]
    Tensor keys, values;              // [n_batch, n_text_ctx, d]
  };
  /** Activations for one Append of n_new tokens, kept while n_new and the logits' extent stay the same. */
  struct Workspace {
    int n_new = 0;
    bool all_positions = false;
    Tensor x, normed, q, k, v, attention, hidden;  // [n_batch, n_new, d or 4d]
    Tensor last;                                   // [n_batch, 1, d]
    Tensor logits;                                 // [n_batch, n_new or 1, n_vocab]
  };

  void PrepareWorkspace(int n_new, bool all_positions);
  void RunLayer(const DecoderLayerWeights& layer, LayerCache& cache);
  void ComputeLogits(bool all_positions);

  Backend& backend_;
  const WhisperWeights& weights_;
  std::vector<LayerCache> layers_;
  std::vector<int> lengths_;
  Workspace workspace_;
};

}  // namespace verbatim
