#include "backend/backend.h"

#include <algorithm>
#include <vector>

#include "audio/audio_constants.h"
#include "audio/log_mel.h"
#include "backend/backend_checks.h"
#include "core/fail.h"

namespace verbatim {

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
