#include "backend/backend.h"

#include <algorithm>
#include <vector>

#include "audio/audio_constants.h"
#include "audio/log_mel.h"
#include "backend/backend_checks.h"
#include "core/fail.h"

namespace verbatim {
namespace {

/** Backend::PrepareCrossAttention's default form: every layer's keys and values of the audio, projected once.
 */
class ProjectedCrossAttention final : public CrossAttentionMemory {
 public:
  struct Layer {
    Tensor keys, values;  // [n_windows, n_audio_ctx, d] in the backend's kv_cache_dtype()
  };
  std::vector<Layer> layers;
};

}  // namespace

std::unique_ptr<CrossAttentionMemory> Backend::PrepareCrossAttention(
    const Tensor& audio, const std::vector<CrossAttentionProjections>& layers) {
  auto memory = std::make_unique<ProjectedCrossAttention>();
  memory->layers.reserve(layers.size());
  const DType cache_dtype = kv_cache_dtype();
  for (const CrossAttentionProjections& projections : layers) {
    ProjectedCrossAttention::Layer layer;
    // Projected straight into the cache's dtype: Linear writes an f16 cache itself.
    layer.keys = Allocate(audio.shape(), cache_dtype);
    layer.values = Allocate(audio.shape(), cache_dtype);
    Linear(audio, projections.key_weight, projections.key_bias, LinearEpilogue::kStore, layer.keys);
    Linear(audio, projections.value_weight, projections.value_bias, LinearEpilogue::kStore, layer.values);
    memory->layers.push_back(std::move(layer));
  }
  return memory;
}

void Backend::CrossAttention(const CrossAttentionMemory& memory,
                             int layer,
                             const Tensor& q,
                             int n_heads,
                             const std::vector<int>& rows_per_window,
                             Tensor& out) {
  const auto* projected = dynamic_cast<const ProjectedCrossAttention*>(&memory);
  if (projected == nullptr || layer < 0 || layer >= static_cast<int>(projected->layers.size()))
    Fail(ErrorCode::kInternal, "Backend::CrossAttention", "no layer ", layer, " in this memory");
  const Tensor& keys = projected->layers[layer].keys;
  const Tensor& values = projected->layers[layer].values;
  // The rows of one window attend to the same keys and values without a mask, so they are one sequence of
  // rows × n_new queries: a view, no copy.
  const int64_t n_new = q.dim(1), width = q.dim(2), n_audio = keys.dim(1);
  const int64_t n_windows = static_cast<int64_t>(rows_per_window.size());
  const int first_count = rows_per_window.empty() ? 0 : rows_per_window.front();
  const bool uniform = std::all_of(rows_per_window.begin(), rows_per_window.end(),
                                   [&](int count) { return count == first_count; });
  if (uniform && first_count > 0) {
    const std::vector<int64_t> shape = {n_windows, first_count * n_new, width};
    Tensor out_view = out.View(shape);
    Attention(q.View(shape), keys, values, n_heads, nullptr, out_view);
    return;
  }
  int64_t first_row = 0;
  for (int64_t window = 0; window < n_windows; ++window) {
    const int count = rows_per_window[window];
    if (count == 0)
      continue;
    const std::vector<int64_t> shape = {1, count * n_new, width};
    const std::vector<int64_t> audio_shape = {1, n_audio, width};
    const int64_t first = first_row * n_new * width;
    Tensor out_view = out.View(shape, first);
    Attention(q.View(shape, first), keys.View(audio_shape, window * n_audio * width),
              values.View(audio_shape, window * n_audio * width), n_heads, nullptr, out_view);
    first_row += count;
  }
}

std::shared_ptr<float> Backend::AllocateHostFloats(std::size_t n) {
  return std::shared_ptr<float>(new float[n == 0 ? 1 : n](), std::default_delete<float[]>());
}

void Backend::FailUnsupported(const char* operation) const {
  Fail(ErrorCode::kBackend, operation, "not supported by the ", name(), " backend");
}

void Backend::Linear(const Tensor&, const Tensor&, const Tensor&, LinearEpilogue, Tensor&) {
  FailUnsupported("Backend::Linear");
}

void Backend::LayerNorm(const Tensor&, const Tensor&, const Tensor&, Tensor&) {
  FailUnsupported("Backend::LayerNorm");
}

void Backend::Transpose(const Tensor&, Tensor&) {
  FailUnsupported("Backend::Transpose");
}

void Backend::Conv1dGelu(const Tensor&, const Tensor&, const Tensor&, int, Tensor&) {
  FailUnsupported("Backend::Conv1dGelu");
}

void Backend::AddPositionalEmbedding(const Tensor&, const int*, Tensor&) {
  FailUnsupported("Backend::AddPositionalEmbedding");
}

void Backend::EmbedTokens(const int32_t*, const Tensor&, Tensor&) {
  FailUnsupported("Backend::EmbedTokens");
}

void Backend::Attention(const Tensor&, const Tensor&, const Tensor&, int, const int*, Tensor&) {
  FailUnsupported("Backend::Attention");
}

void Backend::CopyRows(const Tensor&, const int*, int, const int*, Tensor&) {
  FailUnsupported("Backend::CopyRows");
}

void Backend::LogMel(const Tensor& samples, int n_mels, Tensor& out) {
  constexpr const char* kOperation = "Backend::LogMel";
  const int64_t n_batch = CheckLogMel(samples, n_mels, out, Device::kCpu, kOperation);
  std::vector<const float*> windows(static_cast<std::size_t>(n_batch));
  for (int64_t i = 0; i < n_batch; ++i)
    windows[i] = samples.data<float>() + i * static_cast<int64_t>(kWindowSamples);
  const std::vector<std::size_t> n_samples(windows.size(), kWindowSamples);
  ComputeLogMelBatch(windows.data(), n_samples.data(), static_cast<int>(n_batch), n_mels, out.data<float>(),
                     n_threads());
}

void Backend::ChooseTokens(const Tensor& logits,
                           const LogitRuleValues& rules,
                           const std::vector<RowHistory>& rows,
                           int k,
                           int32_t* tokens,
                           float* logprobs) {
  (void)logits, (void)rules, (void)rows, (void)k, (void)tokens, (void)logprobs;
  FailUnsupported("Backend::ChooseTokens");
}

void Backend::ArgMaxRows(const Tensor& x, int32_t* host_out) {
  const int64_t n_columns = x.dim(x.rank() - 1), n_rows = n_columns == 0 ? 0 : x.numel() / n_columns;
  std::vector<float> host(static_cast<std::size_t>(x.numel()));
  Download(x, host.data());
  for (int64_t row = 0; row < n_rows; ++row) {
    const float* values = host.data() + row * n_columns;
    host_out[row] = static_cast<int32_t>(std::max_element(values, values + n_columns) - values);
  }
}

}  // namespace verbatim
