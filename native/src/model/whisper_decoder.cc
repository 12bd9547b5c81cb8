#include "model/whisper_decoder.h"

#include <algorithm>
#include <initializer_list>
#include <numeric>

#include "core/fail.h"
#include "model/transformer_block.h"

namespace verbatim {
namespace {

/** Positions per row the self-attention caches start with: a start sequence, a prompt and a sentence or two.
 */
constexpr int kFirstCapacity = 128;

}  // namespace

WhisperDecoder::WhisperDecoder(Backend& backend, const WhisperWeights& weights, const Tensor& audio)
    : backend_(backend), weights_(weights), cache_dtype_(backend.kv_cache_dtype()) {
  std::vector<CrossAttentionProjections> projections;
  projections.reserve(weights.decoder.layers.size());
  for (const DecoderLayerWeights& layer : weights.decoder.layers) {
    const AttentionWeights& cross = layer.cross_attention;
    projections.push_back({cross.key.weight, cross.key.bias, cross.value.weight, cross.value.bias});
  }
  cross_attention_ = backend.PrepareCrossAttention(audio, projections);
  layers_.resize(weights.decoder.layers.size());
  ResetRows(std::vector<int>(static_cast<std::size_t>(audio.dim(0)), 1));
}

void WhisperDecoder::AllocateRowCaches(int n_rows) {
  const ModelDims& dims = weights_.dims;
  capacity_ = std::min(kFirstCapacity, dims.n_text_ctx);
  for (LayerCache& cache : layers_) {
    cache.keys = Tensor();  // the old caches go before the new ones are allocated
    cache.values = Tensor();
    cache.keys = backend_.Allocate({n_rows, capacity_, dims.n_text_state}, cache_dtype_);
    cache.values = backend_.Allocate({n_rows, capacity_, dims.n_text_state}, cache_dtype_);
  }
}

void WhisperDecoder::EnsureCapacity(int positions) {
  if (positions <= capacity_)
    return;
  const ModelDims& dims = weights_.dims;
  if (positions > dims.n_text_ctx)
    Fail(ErrorCode::kInternal, "WhisperDecoder", positions, " positions, more than n_text_ctx ",
         dims.n_text_ctx);
  const int grown = std::min(dims.n_text_ctx, std::max(positions, 2 * capacity_));
  const int n_rows = n_batch();
  // Every new cache first, then the copies: a failed allocation leaves the old caches as they were.
  std::vector<Tensor> grown_caches;
  grown_caches.reserve(2 * layers_.size());
  for (std::size_t i = 0; i < 2 * layers_.size(); ++i)
    grown_caches.push_back(backend_.Allocate({n_rows, grown, dims.n_text_state}, cache_dtype_));
  // The first `longest` positions of every row move in one copy per cache (beyond a row's length they are
  // unused, never read).
  const int longest = *std::max_element(lengths_.begin(), lengths_.end());
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    LayerCache& cache = layers_[i];
    Tensor& keys = grown_caches[2 * i];
    Tensor& values = grown_caches[2 * i + 1];
    if (longest > 0) {
      backend_.CopyRows(cache.keys, nullptr, longest, nullptr, keys);
      backend_.CopyRows(cache.values, nullptr, longest, nullptr, values);
    }
    cache.keys = std::move(keys);
    cache.values = std::move(values);
  }
  capacity_ = grown;
}

void WhisperDecoder::ResetRows(const std::vector<int>& rows_per_window) {
  const int n_rows = std::accumulate(rows_per_window.begin(), rows_per_window.end(), 0);
  if (n_rows != n_batch() || layers_.empty() || layers_.front().keys.empty())
    AllocateRowCaches(n_rows);
  rows_per_window_ = rows_per_window;
  lengths_.assign(static_cast<std::size_t>(n_rows), 0);
}

void WhisperDecoder::PrepareWorkspace(int n_new, bool all_positions, int n_select) {
  const int n_logit_rows = all_positions ? n_new : n_select;
  Workspace& w = workspace_;
  if (w.n_batch == n_batch() && w.n_new == n_new && w.all_positions == all_positions &&
      w.n_logit_rows == n_logit_rows) {
    return;
  }
  const int64_t batch = n_batch(), width = weights_.dims.n_text_state;
  w = Workspace();
  w.n_batch = n_batch();
  w.n_new = n_new;
  w.all_positions = all_positions;
  w.n_logit_rows = n_logit_rows;
  for (Tensor* tensor : std::initializer_list<Tensor*>{&w.x, &w.q, &w.k, &w.v, &w.attention})
    *tensor = backend_.Allocate({batch, n_new, width});
  const DType narrow = backend_.decoder_intermediate_dtype();
  w.normed = backend_.Allocate({batch, n_new, width}, narrow);
  w.hidden = backend_.Allocate({batch, n_new, kWhisperMlpExpansion * width}, narrow);
  if (!all_positions) {
    w.selected = backend_.Allocate({batch, n_logit_rows, width});
    w.selected_normed = backend_.Allocate({batch, n_logit_rows, width}, narrow);
  }
  w.logits = backend_.Allocate({batch, n_logit_rows, weights_.dims.n_vocab});
}

void WhisperDecoder::RunLayers(const int32_t* tokens) {
  backend_.EmbedTokens(tokens, weights_.decoder.token_embedding, workspace_.x);
  backend_.AddPositionalEmbedding(weights_.decoder.positions, lengths_.data(), workspace_.x);
  for (std::size_t i = 0; i < layers_.size(); ++i)
    RunLayer(static_cast<int>(i), layers_[i]);
}

const Tensor& WhisperDecoder::Append(const int32_t* tokens, int n_new, bool all_positions) {
  if (all_positions)
    return AppendSelected(tokens, n_new, nullptr, 0);
  // Only each row's last position: the vocabulary projection is the largest matrix of a decoder step.
  const std::vector<int> last(lengths_.size(), n_new - 1);
  return AppendSelected(tokens, n_new, last.data(), 1);
}

const Tensor& WhisperDecoder::AppendSelected(const int32_t* tokens,
                                             int n_new,
                                             const int* positions,
                                             int n_select) {
  const bool all_positions = positions == nullptr;
  EnsureCapacity(*std::max_element(lengths_.begin(), lengths_.end()) + n_new);
  PrepareWorkspace(n_new, all_positions, n_select);
  Workspace& w = workspace_;
  // Row `row`'s j-th selected position, as CopyRows takes them (one call per j).
  std::vector<std::vector<int>> columns(static_cast<std::size_t>(n_select),
                                        std::vector<int>(lengths_.size()));
  for (int j = 0; j < n_select; ++j) {
    for (int row = 0; row < n_batch(); ++row)
      columns[j][row] = positions[row * n_select + j];
  }
  // One step, the same operations on the same tensors as the last one of its shape: a backend may replay it.
  backend_.RunRepeatedStep([&] {
    RunLayers(tokens);
    const LayerNormWeights& norm = weights_.decoder.final_norm;
    const Tensor no_bias;
    if (all_positions) {
      backend_.LayerNorm(w.x, norm.gain, norm.offset, w.normed);
      backend_.Linear(w.normed, weights_.decoder.token_embedding, no_bias, LinearEpilogue::kStore, w.logits);
      return;
    }
    for (int j = 0; j < n_select; ++j) {
      const std::vector<int> destination(lengths_.size(), j);
      backend_.CopyRows(w.x, columns[j].data(), 1, destination.data(), w.selected);
    }
    backend_.LayerNorm(w.selected, norm.gain, norm.offset, w.selected_normed);
    backend_.Linear(w.selected_normed, weights_.decoder.token_embedding, no_bias, LinearEpilogue::kStore,
                    w.logits);
  });
  for (int& length : lengths_)
    length += n_new;  // last, so a failed step leaves the lengths as they were
  return w.logits;
}

void WhisperDecoder::RunLayer(int index, LayerCache& cache) {
  const DecoderLayerWeights& layer = weights_.decoder.layers[index];
  Workspace& w = workspace_;
  const int n_heads = weights_.dims.n_text_head;

  // Causal self-attention: the new keys and values join the cache first, then the queries see it up to
  // themselves. `normed` may be f16: q, k and v come out of their GEMMs in f32 with the bias added there.
  backend_.LayerNorm(w.x, layer.self_attention_norm.gain, layer.self_attention_norm.offset, w.normed);
  Project(backend_, w.normed, layer.self_attention.query, w.q);
  Project(backend_, w.normed, layer.self_attention.key, w.k);
  Project(backend_, w.normed, layer.self_attention.value, w.v);
  backend_.CopyRows(w.k, nullptr, w.n_new, lengths_.data(), cache.keys);
  backend_.CopyRows(w.v, nullptr, w.n_new, lengths_.data(), cache.values);
  backend_.Attention(w.q, cache.keys, cache.values, n_heads, lengths_.data(), w.attention);
  backend_.Linear(w.attention, layer.self_attention.output.weight, layer.self_attention.output.bias,
                  LinearEpilogue::kAccumulate, w.x);

  // Cross-attention to the audio.
  backend_.LayerNorm(w.x, layer.cross_attention_norm.gain, layer.cross_attention_norm.offset, w.normed);
  Project(backend_, w.normed, layer.cross_attention.query, w.q);
  backend_.CrossAttention(*cross_attention_, index, w.q, n_heads, rows_per_window_, w.attention);
  backend_.Linear(w.attention, layer.cross_attention.output.weight, layer.cross_attention.output.bias,
                  LinearEpilogue::kAccumulate, w.x);

  AddMlp(backend_, layer.mlp_norm, layer.mlp, w.x, w.normed, w.hidden);
}

void WhisperDecoder::ReorderRows(const std::vector<int>& sources) {
  const int n_rows = n_batch();
  const int64_t n_ctx = capacity_, width = weights_.dims.n_text_state;
  std::vector<int> saved_slot(static_cast<std::size_t>(n_rows), -1);  // where a source's old rows wait
  int n_saved = 0, longest_saved = 0;
  for (int row = 0; row < n_rows; ++row) {
    const int source = sources[row];
    if (source != row && sources[source] != source && saved_slot[source] < 0) {
      saved_slot[source] = n_saved++;
      longest_saved = std::max(longest_saved, lengths_[source]);
    }
  }
  // Every row's cache as one long sequence of n_rows · n_ctx positions, so that CopyRows moves rows between
  // sequences.
  const std::vector<int64_t> flat = {1, n_rows * n_ctx, width};
  Tensor scratch;
  if (n_saved > 0 && longest_saved > 0)
    scratch = backend_.Allocate({1, static_cast<int64_t>(n_saved) * longest_saved, width}, cache_dtype_);
  for (LayerCache& cache : layers_) {
    for (Tensor* tensor : {&cache.keys, &cache.values}) {
      Tensor rows = tensor->View(flat);
      for (int source = 0; source < n_rows; ++source) {
        if (saved_slot[source] < 0 || lengths_[source] == 0)
          continue;
        const int from = static_cast<int>(source * n_ctx), to = saved_slot[source] * longest_saved;
        backend_.CopyRows(rows, &from, lengths_[source], &to, scratch);
      }
      for (int row = 0; row < n_rows; ++row) {
        const int source = sources[row];
        if (source == row || lengths_[source] == 0)
          continue;
        const int to = static_cast<int>(row * n_ctx);
        if (saved_slot[source] >= 0) {
          const int from = saved_slot[source] * longest_saved;
          backend_.CopyRows(scratch, &from, lengths_[source], &to, rows);
        } else {
          const int from = static_cast<int>(source * n_ctx);
          backend_.CopyRows(rows, &from, lengths_[source], &to, rows);
        }
      }
    }
  }
  std::vector<int> lengths(lengths_.size());
  for (int row = 0; row < n_rows; ++row)
    lengths[row] = lengths_[sources[row]];
  lengths_ = std::move(lengths);
}

}  // namespace verbatim
