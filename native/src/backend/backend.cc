#include "backend/backend.h"

#include "core/fail.h"

namespace verbatim {

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

}  // namespace verbatim
