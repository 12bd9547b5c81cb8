#include "model/whisper_encoder.h"

#include "core/fail.h"
#include "model/transformer_block.h"

namespace verbatim {
namespace {

/** The convolutional front-end: [B, n_mels, 2·ctx] → [B, ctx, d], GELU after each convolution. */
Tensor RunFrontEnd(Backend& backend,
                   const EncoderWeights& weights,
                   const ModelDims& dims,
                   const Tensor& mel) {
  const int64_t n_batch = mel.dim(0), n_frames = mel.dim(2);
  Tensor time_major = backend.Allocate({n_batch, n_frames, dims.n_mels});
  backend.Transpose(mel, time_major);
  Tensor conv1 = backend.Allocate({n_batch, n_frames, dims.n_audio_state});
  backend.Conv1dGelu(time_major, weights.conv1.weight, weights.conv1.bias, 1, conv1);
  Tensor x = backend.Allocate({n_batch, dims.n_audio_ctx, dims.n_audio_state});
  backend.Conv1dGelu(conv1, weights.conv2.weight, weights.conv2.bias, 2, x);
  return x;
}

}  // namespace

Tensor RunWhisperEncoder(Backend& backend, const WhisperWeights& weights, const Tensor& mel) {
  const ModelDims& dims = weights.dims;
  if (mel.rank() != 3 || mel.dim(1) != dims.n_mels || mel.dim(2) != 2 * dims.n_audio_ctx) {
    Fail(ErrorCode::kInternal, "RunWhisperEncoder", "mel must be [batch, ", dims.n_mels, ", ",
         2 * dims.n_audio_ctx, "], found ", mel.ShapeString());
  }
  const EncoderWeights& encoder = weights.encoder;
  Tensor x = RunFrontEnd(backend, encoder, dims, mel);
  backend.AddPositionalEmbedding(encoder.positions, nullptr, x);

  const std::vector<int64_t> shape = x.shape();
  Tensor normed = backend.Allocate(shape), q = backend.Allocate(shape), k = backend.Allocate(shape),
         v = backend.Allocate(shape);
  Tensor hidden = backend.Allocate({shape[0], shape[1], kWhisperMlpExpansion * shape[2]});
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
  return x;
}

}  // namespace verbatim
