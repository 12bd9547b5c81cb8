// Whisper's text decoder with its caches: token + positional embedding → pre-LN blocks [causal self-attention
// over a KV cache, cross-attention to the audio, MLP] → LayerNorm → logits against the token embedding
// (tied).
#pragma once

#include <memory>
#include <vector>

#include "backend/backend.h"
#include "model/whisper_weights.h"
#include "tensor/tensor.h"

namespace verbatim {

/**
 * The decoder state of a batch of sequences ("rows") attending to encoded windows: every layer's
 * cross-attention memory of the windows (made once from the audio, in the backend's form) and, per layer, the
 * self-attention KV cache of every row (grown as the sequences grow, up to n_text_ctx positions), plus each
 * row's length. A window may have several rows (beams, samples: they share its cross-attention memory) or
 * none; rows are grouped by window, in window order. It starts with one row per window. Rows start empty;
 * every Append adds the same number of tokens to each, but Truncate lets lengths differ, so each row keeps
 * its own positions and causal mask.
 *
 * Arguments are checked by the caller (the engine's DecoderSession, the decoding loop). Not thread-safe: one
 * call at a time. Holds references to `backend` and `weights`, which must outlive it.
 */
class WhisperDecoder {
 public:
  /** @param audio the encoder's output [n_windows, n_audio_ctx, d] on the backend's device. */
  WhisperDecoder(Backend& backend, const WhisperWeights& weights, const Tensor& audio);

  /** Rows in the batch. */
  int n_batch() const { return static_cast<int>(lengths_.size()); }
  int n_windows() const { return static_cast<int>(rows_per_window_.size()); }
  int length(int row) const { return lengths_[row]; }

  /**
   * Starts over with rows_per_window[w] empty rows for window w (0 leaves it out). Keeps the caches' memory
   * when the number of rows does not change.
   */
  void ResetRows(const std::vector<int>& rows_per_window);

  /**
   * Appends n_new tokens to every row and returns the logits on the backend's device: [n_batch, 1, n_vocab]
   * for each row's last new token, or [n_batch, n_new, n_vocab] for every new position when
   * `all_positions`. The tensor is valid until the next call.
   * @param tokens n_batch rows of n_new token ids, each in [0, n_vocab); lengths + n_new <= n_text_ctx.
   */
  const Tensor& Append(const int32_t* tokens, int n_new, bool all_positions);

  /**
   * Like Append, returning the logits of n_select chosen new positions of each row, [n_batch, n_select,
   * n_vocab]: positions[row * n_select + j] in [0, n_new).
   */
  const Tensor& AppendSelected(const int32_t* tokens, int n_new, const int* positions, int n_select);

  /** Keeps the first `length` (<= its current length) tokens of row `row`. */
  void Truncate(int row, int length) { lengths_[row] = length; }

  /**
   * Row r continues what row sources[r] held (its cache and length), for every row at once; a source must
   * belong to the same window. Copies only the rows that change, through a scratch buffer for sources that
   * are themselves overwritten.
   */
  void ReorderRows(const std::vector<int>& sources);

 private:
  /** A layer's self-attention cache, in the backend's kv_cache_dtype(): f32, or f16 on a GPU. */
  struct LayerCache {
    Tensor keys, values;  // [n_batch, capacity_, d]
  };
  /**
   * Activations for one Append of n_new tokens, kept while the batch, n_new and the logits' extent stay.
   * x (the residual stream), q, k, v, the attention output, `selected` and the logits are f32; `normed`,
   * `hidden` and `selected_normed` (what the GEMMs read) are the backend's decoder_intermediate_dtype(): f16
   * on a GPU running a 16-bit model, so that each Linear on them is one GEMM with its bias in the epilogue.
   */
  struct Workspace {
    int n_batch = 0;
    int n_new = 0;
    int n_logit_rows = 0;  // per row: n_new for all positions, else the number selected
    bool all_positions = false;
    Tensor x, normed, q, k, v, attention, hidden;  // [n_batch, n_new, d or 4d]
    Tensor selected, selected_normed;              // [n_batch, n_logit_rows, d]
    Tensor logits;                                 // [n_batch, n_logit_rows, n_vocab]
  };

  void PrepareWorkspace(int n_new, bool all_positions, int n_select);
  void RunLayers(const int32_t* tokens);
  void RunLayer(int index, LayerCache& cache);
  void AllocateRowCaches(int n_rows);
  /** Grows every self-attention cache to hold `positions` per row (doubling, at most n_text_ctx). */
  void EnsureCapacity(int positions);

  Backend& backend_;
  const WhisperWeights& weights_;
  const DType cache_dtype_;  // the backend's kv_cache_dtype(), asked once: every cache has it
  /** Every layer's view of the audio, in the backend's form (Backend::PrepareCrossAttention). */
  std::unique_ptr<CrossAttentionMemory> cross_attention_;
  std::vector<LayerCache> layers_;
  std::vector<int> rows_per_window_;
  std::vector<int> lengths_;
  /**
   * Positions per row the self-attention caches hold now. They start small and double as the sequences grow,
   * up to n_text_ctx: most windows end long before 448 tokens, and at n_text_ctx from the start the caches
   * were large-v3's third-largest allocation at batch 16 (0.94 GB in f16 for 116 positions used).
   */
  int capacity_ = 0;
  Workspace workspace_;
};

}  // namespace verbatim
