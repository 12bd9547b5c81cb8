#include "model/whisper_encoder.h"

#include <algorithm>

#include "core/fail.h"
#include "model/transformer_block.h"

namespace verbatim {
namespace {

/**
 * Activation memory one slice of the batch may take (the stream of [windows, ctx, d] f32 tensors below: x,
 * normed, q, k, v and the 4·d-wide MLP hidden layer, 9 of them): a batch larger than fits is encoded in equal
 * slices, so that the encoder's activations stop growing with the batch. At 1 GiB, tiny encodes up to 51
 * windows at once, large-v3 up to 15; the slices' GEMMs keep ≥ 12,000 rows. (Where the backend keeps the
 * intermediates in f16, a slice takes about half of this.)
 */
constexpr int64_t kSliceActivationBytes = int64_t{1} << 30;
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

/** The whole encoder on one slice of the batch, written into x (a view of the output). */
void EncodeSlice(Backend& backend, const WhisperWeights& weights, const Tensor& mel, Tensor& x) {
  const ModelDims& dims = weights.dims;
  const EncoderWeights& encoder = weights.encoder;
  RunFrontEnd(backend, encoder, dims, mel, x);
  backend.AddPositionalEmbedding(encoder.positions, nullptr, x);

  // x is the residual stream (f32); everything derived from it within a layer is an intermediate, which a
  // backend may keep in f16 for a 16-bit model (Backend::intermediate_dtype).
  const std::vector<int64_t> shape = x.shape();
  const DType narrow = backend.intermediate_dtype();
  Tensor normed = backend.Allocate(shape, narrow), q = backend.Allocate(shape, narrow),
         k = backend.Allocate(shape, narrow), v = backend.Allocate(shape, narrow);
  Tensor hidden = backend.Allocate({shape[0], shape[1], kWhisperMlpExpansion * shape[2]}, narrow);
  for (const EncoderLayerWeights& layer : encoder.layers) {
    backend.LayerNorm(x, layer.self_attention_norm.gain, layer.self_attention_norm.offset, normed);
    Project(backend, normed, layer.self_attention.query, q);
    Project(backend, normed, layer.self_attention.key, k);
    Project(backend, normed, layer.self_attention.value, v);
    backend.Attention(q, k, v, dims.n_audio_head, nullptr, normed);  // normed is free again: reuse it
    backend.Linear(normed, layer.self_attention.output.weight, layer.self_attention.output.bias,
                   LinearEpilogue::kAccumulate, x);
    AddMlp(backend, layer.mlp_norm, layer.mlp, x, normed, hidden);
  }
  backend.LayerNorm(x, encoder.final_norm.gain, encoder.final_norm.offset, x);
}

}  // namespace

int EncoderSliceWindows(const ModelDims& dims) {
  const int64_t per_window = kActivationsPerWindow * dims.n_audio_ctx * dims.n_audio_state * int64_t{4};
  return static_cast<int>(std::max<int64_t>(1, kSliceActivationBytes / per_window));
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
  const int64_t n_batch = mel.dim(0);
  const int64_t most = max_slice_windows > 0 ? max_slice_windows : EncoderSliceWindows(dims);
  // Equal slices (64 windows at most 51 a slice: two of 32), so no slice is a small remainder.
  const int64_t n_slices = (n_batch + most - 1) / most;
  const int64_t per_slice = (n_batch + n_slices - 1) / n_slices;
  Tensor out = backend.Allocate({n_batch, dims.n_audio_ctx, dims.n_audio_state});
  const int64_t mel_window = mel.dim(1) * mel.dim(2), out_window = dims.n_audio_ctx * dims.n_audio_state;
  for (int64_t first = 0; first < n_batch; first += per_slice) {
    const int64_t count = std::min(per_slice, n_batch - first);
    Tensor slice_mel = mel.View({count, mel.dim(1), mel.dim(2)}, first * mel_window);
    Tensor slice_out = out.View({count, dims.n_audio_ctx, dims.n_audio_state}, first * out_window);
    EncodeSlice(backend, weights, slice_mel, slice_out);
  }
  return out;
}

}  // namespace verbatim
