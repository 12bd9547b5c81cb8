#include "model/whisper_encoder.h"

#include <algorithm>

#include "core/fail.h"
#include "model/transformer_block.h"

namespace verbatim {
namespace {

/**
 * The activations of one window in a slice (the stream of [ctx, d] f32 tensors below: x, normed, q, k, v and
 * the 4·d-wide MLP hidden layer, 9 of them): a batch larger than the backend's activation budget allows
 * (Backend::activation_budget_bytes) is encoded in equal slices, so that the encoder's activations stop
 * growing with the batch. At 1 GiB, tiny encodes up to 51 windows at once, large-v3 up to 15; at a lean GPU's
 * 256 MiB, 12 and 3, whose GEMMs still have ≥ 4,500 rows. (Where the backend keeps the intermediates in f16,
 * a slice takes about half of this.)
 */
constexpr int64_t kActivationsPerWindow = 5 + kWhisperMlpExpansion;

/** The convolutional front-end: [B, n_mels, 2·ctx] → x [B, ctx, d], GELU after each convolution. */
void RunFrontEnd(
    Backend& backend, const EncoderWeights& weights, const ModelDims& dims, const Tensor& mel, Tensor& x) {
  const int64_t n_batch = mel.dim(0), n_frames = mel.dim(2);
  Tensor time_major = backend.Allocate({n_batch, n_frames, dims.n_mels});
  backend.Transpose(mel, time_major);
  Tensor conv1 = backend.Allocate({n_batch, n_frames, dims.n_audio_state});
  backend.Conv1dGelu(time_major, weights.conv1.weight, weights.conv1.bias, 1, conv1);
  backend.Conv1dGelu(conv1, weights.conv2.weight, weights.conv2.bias, 2, x);
}

/** Windows [first, first + count) of a [windows, …] tensor: a view. */
Tensor Windows(const Tensor& tensor, int64_t first, int64_t count) {
  std::vector<int64_t> shape = tensor.shape();
  const int64_t per_window = tensor.numel() / shape[0];
  shape[0] = count;
  return tensor.View(shape, first * per_window);
}

/** A layer's intermediates for a slice of `windows` windows: everything but the residual stream. */
struct LayerScratch {
  Tensor normed, q, k, v, hidden;

  LayerScratch(Backend& backend, const ModelDims& dims, int64_t windows) {
    const std::vector<int64_t> shape = {windows, dims.n_audio_ctx, dims.n_audio_state};
    const DType narrow = backend.intermediate_dtype();
    normed = backend.Allocate(shape, narrow);
    q = backend.Allocate(shape, narrow);
    k = backend.Allocate(shape, narrow);
    v = backend.Allocate(shape, narrow);
    hidden = backend.Allocate({windows, dims.n_audio_ctx, kWhisperMlpExpansion * dims.n_audio_state}, narrow);
  }

  /** The first `windows` windows of each (a last, smaller slice). */
  LayerScratch Slice(int64_t windows) const {
    LayerScratch slice = *this;
    for (Tensor* tensor : {&slice.normed, &slice.q, &slice.k, &slice.v, &slice.hidden})
      *tensor = Windows(*tensor, 0, windows);
    return slice;
  }
};

/** One pre-LN block on a slice: x += attention(LayerNorm(x)); x += MLP(LayerNorm(x)). */
void RunLayer(Backend& backend, const EncoderLayerWeights& layer, int n_heads, Tensor& x, LayerScratch& s) {
  backend.LayerNorm(x, layer.self_attention_norm.gain, layer.self_attention_norm.offset, s.normed);
  Project(backend, s.normed, layer.self_attention.query, s.q);
  Project(backend, s.normed, layer.self_attention.key, s.k);
  Project(backend, s.normed, layer.self_attention.value, s.v);
  backend.Attention(s.q, s.k, s.v, n_heads, nullptr, s.normed);  // normed is free again: reuse it
  backend.Linear(s.normed, layer.self_attention.output.weight, layer.self_attention.output.bias,
                 LinearEpilogue::kAccumulate, x);
  AddMlp(backend, layer.mlp_norm, layer.mlp, x, s.normed, s.hidden);
}

/** The matrices of a layer, in the order its operations read them. */
std::vector<const Tensor*> LayerMatrices(const EncoderLayerWeights& layer) {
  return {&layer.self_attention.query.weight,
          &layer.self_attention.key.weight,
          &layer.self_attention.value.weight,
          &layer.self_attention.output.weight,
          &layer.mlp.fc1.weight,
          &layer.mlp.fc2.weight};
}

}  // namespace

int EncoderSliceWindows(const ModelDims& dims, int64_t budget_bytes) {
  const int64_t per_window = kActivationsPerWindow * dims.n_audio_ctx * dims.n_audio_state * int64_t{4};
  return static_cast<int>(std::max<int64_t>(1, budget_bytes / per_window));
}

Tensor RunWhisperEncoder(Backend& backend,
                         const WhisperWeights& weights,
                         const Tensor& mel,
                         int max_slice_windows) {
  const ModelDims& dims = weights.dims;
  if (mel.rank() != 3 || mel.dim(1) != dims.n_mels || mel.dim(2) != 2 * dims.n_audio_ctx) {
    Fail(ErrorCode::kInternal, "RunWhisperEncoder", "mel must be [batch, ", dims.n_mels, ", ",
         2 * dims.n_audio_ctx, "], found ", mel.ShapeString());
  }
  const EncoderWeights& encoder = weights.encoder;
  const int64_t n_batch = mel.dim(0);
  const int64_t most = max_slice_windows > 0 ? max_slice_windows
                                             : EncoderSliceWindows(dims, backend.activation_budget_bytes());
  // Equal slices (64 windows at most 51 a slice: two of 32), so no slice is a small remainder.
  const int64_t n_slices = (n_batch + most - 1) / most;
  const int64_t per_slice = (n_batch + n_slices - 1) / n_slices;
  Tensor out = backend.Allocate({n_batch, dims.n_audio_ctx, dims.n_audio_state});

  // The first layer's weights travel while the front-end runs (where the backend streams them).
  if (!encoder.layers.empty())
    backend.PrefetchWeights(LayerMatrices(encoder.layers.front()));
  for (int64_t first = 0; first < n_batch; first += per_slice) {
    const int64_t count = std::min(per_slice, n_batch - first);
    Tensor x = Windows(out, first, count);
    RunFrontEnd(backend, encoder, dims, Windows(mel, first, count), x);
    backend.AddPositionalEmbedding(encoder.positions, nullptr, x);
  }
  // Layer by layer over every slice (not slice by slice through every layer): each layer's weights are
  // read — and, where they are streamed, copied to the device — once per batch, the next layer's while this
  // one runs. x is the residual stream (f32); the scratch intermediates may be f16 (intermediate_dtype).
  LayerScratch scratch(backend, dims, per_slice);
  for (std::size_t i = 0; i < encoder.layers.size(); ++i) {
    if (i + 1 < encoder.layers.size())
      backend.PrefetchWeights(LayerMatrices(encoder.layers[i + 1]));
    for (int64_t first = 0; first < n_batch; first += per_slice) {
      const int64_t count = std::min(per_slice, n_batch - first);
      Tensor x = Windows(out, first, count);
      LayerScratch slice = count == per_slice ? scratch : scratch.Slice(count);
      RunLayer(backend, encoder.layers[i], dims.n_audio_head, x, slice);
    }
  }
  backend.LayerNorm(out, encoder.final_norm.gain, encoder.final_norm.offset, out);
  return out;
}

}  // namespace verbatim
