#include "model/whisper_decoder.h"

#include <initializer_list>

#include "model/transformer_block.h"

namespace verbatim {

WhisperDecoder::WhisperDecoder(Backend& backend, const WhisperWeights& weights, const Tensor& audio)
    : backend_(backend), weights_(weights), lengths_(static_cast<std::size_t>(audio.dim(0)), 0) {
  const ModelDims& dims = weights.dims;
  const int64_t n_batch = audio.dim(0);
  layers_.reserve(weights.decoder.layers.size());
  for (const DecoderLayerWeights& layer : weights.decoder.layers) {
    LayerCache cache;
    cache.cross_keys = backend.Allocate(audio.shape());
    cache.cross_values = backend.Allocate(audio.shape());
    Project(backend, audio, layer.cross_attention.key, cache.cross_keys);
    Project(backend, audio, layer.cross_attention.value, cache.cross_values);
    cache.keys = backend.Allocate({n_batch, dims.n_text_ctx, dims.n_text_state});
    cache.values = backend.Allocate({n_batch, dims.n_text_ctx, dims.n_text_state});
    layers_.push_back(std::move(cache));
  }
}

void WhisperDecoder::PrepareWorkspace(int n_new, bool all_positions) {
  if (workspace_.n_new == n_new && workspace_.all_positions == all_positions)
    return;
  const int64_t batch = n_batch(), width = weights_.dims.n_text_state;
  Workspace& w = workspace_;
  w = Workspace();
  w.n_new = n_new;
  w.all_positions = all_positions;
  for (Tensor* tensor : std::initializer_list<Tensor*>{&w.x, &w.normed, &w.q, &w.k, &w.v, &w.attention}) {
    *tensor = backend_.Allocate({batch, n_new, width});
  }
  w.hidden = backend_.Allocate({batch, n_new, kWhisperMlpExpansion * width});
  w.last = backend_.Allocate({batch, 1, width});
  w.logits = backend_.Allocate({batch, all_positions ? n_new : 1, weights_.dims.n_vocab});
}

const Tensor& WhisperDecoder::Append(const int32_t* tokens, int n_new, bool all_positions) {
  PrepareWorkspace(n_new, all_positions);
  backend_.EmbedTokens(tokens, weights_.decoder.token_embedding, workspace_.x);
  backend_.AddPositionalEmbedding(weights_.decoder.positions, lengths_.data(), workspace_.x);
  for (std::size_t i = 0; i < layers_.size(); ++i)
    RunLayer(weights_.decoder.layers[i], layers_[i]);
  ComputeLogits(all_positions);
  for (int& length : lengths_)
    length += n_new;  // last, so a failed step leaves the lengths as they were
  return workspace_.logits;
}

void WhisperDecoder::RunLayer(const DecoderLayerWeights& layer, LayerCache& cache) {
  Workspace& w = workspace_;
  const int n_heads = weights_.dims.n_text_head;

  // Causal self-attention: the new keys and values join the cache first, then the queries see it up to
  // themselves.
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
  backend_.Attention(w.q, cache.cross_keys, cache.cross_values, n_heads, nullptr, w.attention);
  backend_.Linear(w.attention, layer.cross_attention.output.weight, layer.cross_attention.output.bias,
                  LinearEpilogue::kAccumulate, w.x);

  AddMlp(backend_, layer.mlp_norm, layer.mlp, w.x, w.normed, w.hidden);
}

void WhisperDecoder::ComputeLogits(bool all_positions) {
  Workspace& w = workspace_;
  const LayerNormWeights& norm = weights_.decoder.final_norm;
  const Tensor no_bias;
  if (all_positions) {
    backend_.LayerNorm(w.x, norm.gain, norm.offset, w.normed);
    backend_.Linear(w.normed, weights_.decoder.token_embedding, no_bias, LinearEpilogue::kStore, w.logits);
    return;
  }
  // Only each sequence's last position: the vocabulary projection is the largest matrix of a decoder step.
  const std::vector<int> last_rows(lengths_.size(), w.n_new - 1);
  backend_.CopyRows(w.x, last_rows.data(), 1, nullptr, w.last);
  backend_.LayerNorm(w.last, norm.gain, norm.offset, w.last);
  backend_.Linear(w.last, weights_.decoder.token_embedding, no_bias, LinearEpilogue::kStore, w.logits);
}

}  // namespace verbatim
