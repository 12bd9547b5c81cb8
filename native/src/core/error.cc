#include "verbatim/engine.h"

namespace verbatim {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArg:
      return "E_INVALID_ARG";
    case ErrorCode::kModelLoad:
      return "E_MODEL_LOAD";
    case ErrorCode::kOom:
      return "E_OOM";
    case ErrorCode::kDisposed:
      return "E_DISPOSED";
    case ErrorCode::kBackend:
      return "E_BACKEND";
    case ErrorCode::kInternal:
      return "E_INTERNAL";
  }
  return "E_INTERNAL";
}

const char* DTypeName(DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return "f32";
    case DType::kF16:
      return "f16";
    case DType::kBF16:
      return "bf16";
  }
  return "?";
}

const char* ModelFormatName(ModelFormat format) {
  switch (format) {
    case ModelFormat::kHuggingFaceSafetensors:
      return "huggingface-safetensors";
    case ModelFormat::kMlxSafetensors:
      return "mlx-safetensors";
    case ModelFormat::kMlxNpz:
      return "mlx-npz";
    case ModelFormat::kGgml:
      return "ggml";
  }
  return "?";
}

}  // namespace verbatim
