#include "backend/backend.h"

#include <algorithm>
#include <vector>

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
