#include "backend/cpu/cpu_backend.h"

#include <cstring>
#include <memory>

#include "backend/backend_checks.h"
#include "backend/cpu/cpu_attention.h"
#include "backend/cpu/cpu_linear.h"
#include "core/fail.h"

namespace verbatim {
namespace {

// Row-wise kernels hand out at least this many rows per task: below that, waking a thread costs more than it
// saves.
constexpr int64_t kMinRowsPerTask = 32;
constexpr int kConvKernelSize = 3;

void CheckOnCpu(const Tensor& tensor, const char* operation, const char* what) {
  CheckOnDevice(tensor, Device::kCpu, operation, what);
}

void CheckF32(const Tensor& tensor, const char* operation, const char* what) {
  verbatim::CheckF32(tensor, Device::kCpu, operation, what);
}

const float* BiasOrNull(const Tensor& bias) {
  return bias.empty() ? nullptr : bias.data<float>();
}

/** Widens n elements of `dtype` at `in` to f32. */
void WidenToF32(const SimdKernels& kernels, DType dtype, const void* in, int64_t n, float* out) {
  switch (dtype) {
    case DType::kF32:
      std::memcpy(out, in, static_cast<std::size_t>(n) * sizeof(float));
      return;
    case DType::kF16:
      kernels.f16_to_f32(static_cast<const uint16_t*>(in), out, n);
      return;
    case DType::kBF16:
      kernels.bf16_to_f32(static_cast<const uint16_t*>(in), out, n);
      return;
  }
}

}  // namespace

CpuBackend::CpuBackend(int n_threads, const SimdKernels& kernels) : context_(n_threads, kernels) {}

Tensor CpuBackend::Allocate(const std::vector<int64_t>& shape, DType dtype) {
  if (dtype != DType::kF32) {
    Fail(ErrorCode::kBackend, "CpuBackend::Allocate", "cannot allocate ", DTypeName(dtype),
         ": the cpu backend computes in f32 only (its kv_cache_dtype() is f32)");
  }
  return Tensor::Zeros(DType::kF32, shape);
}

Tensor CpuBackend::PrepareWeight(const Tensor& host_weight, WeightUse use) {
  CheckOnCpu(host_weight, "CpuBackend::PrepareWeight", "the weight");
  if (IsMatrix(use) || host_weight.dtype() == DType::kF32)
    return host_weight;
  Tensor widened = Tensor::Zeros(DType::kF32, host_weight.shape());
  WidenToF32(context_.kernels(), host_weight.dtype(), host_weight.raw(), host_weight.numel(),
             widened.data<float>());
  weight_copy_bytes_ += widened.nbytes();
  return widened;
}

void CpuBackend::Upload(const float* host, Tensor& dst) {
  CheckF32(dst, "CpuBackend::Upload", "the destination");
  std::memcpy(dst.raw(), host, dst.nbytes());
}

void CpuBackend::Download(const Tensor& src, float* host) {
  CheckF32(src, "CpuBackend::Download", "the source");
  std::memcpy(host, src.raw(), src.nbytes());
}

void CpuBackend::Linear(
    const Tensor& x, const Tensor& weight, const Tensor& bias, LinearEpilogue epilogue, Tensor& out) {
  const LinearShape shape = CheckLinear(x, weight, bias, epilogue, out, Device::kCpu, KvCacheDTypes::kF32Only,
                                        IntermediateDTypes::kF32Only, "CpuBackend::Linear");
  CpuLinear(context_, x.data<float>(), shape.m, shape.k, weight, BiasOrNull(bias), epilogue,
            out.data<float>());
}

void CpuBackend::LayerNorm(const Tensor& x, const Tensor& gain, const Tensor& offset, Tensor& out) {
  const int64_t rows = CheckLayerNorm(x, gain, offset, out, Device::kCpu, IntermediateDTypes::kF32Only,
                                      "CpuBackend::LayerNorm");
  const int64_t width = gain.numel();
  const SimdKernels& kernels = context_.kernels();
  context_.ParallelRows(rows, kMinRowsPerTask, [&](int64_t begin, int64_t end, int) {
    for (int64_t row = begin; row < end; ++row) {
      kernels.layer_norm(x.data<float>() + row * width, gain.data<float>(), offset.data<float>(),
                         kLayerNormEpsilon, width, out.data<float>() + row * width);
    }
  });
}

void CpuBackend::Transpose(const Tensor& x, Tensor& out) {
  CheckTranspose(x, out, Device::kCpu, "CpuBackend::Transpose");
  const int64_t n_rows = x.dim(1);
  const int64_t n_columns = x.dim(2);
  // One task per output row (an input column): strided reads, contiguous writes.
  context_.ParallelRows(x.dim(0) * n_columns, kMinRowsPerTask, [&](int64_t begin, int64_t end, int) {
    for (int64_t out_row = begin; out_row < end; ++out_row) {
      const int64_t batch = out_row / n_columns;
      const float* in = x.data<float>() + batch * n_rows * n_columns + out_row % n_columns;
      float* row = out.data<float>() + out_row * n_rows;
      for (int64_t i = 0; i < n_rows; ++i)
        row[i] = in[i * n_columns];
    }
  });
}

void CpuBackend::Conv1dGelu(
    const Tensor& x, const Tensor& weight, const Tensor& bias, int stride, Tensor& out) {
  const int64_t n_out_frames =
      CheckConv1dGelu(x, weight, bias, stride, out, Device::kCpu, "CpuBackend::Conv1dGelu");
  const int64_t n_batch = x.dim(0), n_in_frames = x.dim(1), n_in_channels = x.dim(2);
  const int64_t n_out_channels = weight.dim(0);

  // im2col: row t holds the input around frame t·stride in the weight's [channel][tap] order, so the weight
  // is a [C_out, C_in · 3] matrix as stored and the convolution is one Linear. One window at a time bounds
  // the buffer.
  const int64_t patch = n_in_channels * kConvKernelSize;
  std::unique_ptr<float[]> columns(new float[static_cast<std::size_t>(n_out_frames * patch)]);
  const Tensor weight_matrix(weight.dtype(), {n_out_channels, patch}, weight.raw(), nullptr);
  for (int64_t batch = 0; batch < n_batch; ++batch) {
    const float* in = x.data<float>() + batch * n_in_frames * n_in_channels;
    context_.ParallelRows(n_out_frames, kMinRowsPerTask, [&](int64_t begin, int64_t end, int) {
      for (int64_t frame = begin; frame < end; ++frame) {
        float* row = columns.get() + frame * patch;
        for (int tap = 0; tap < kConvKernelSize; ++tap) {
          const int64_t source = frame * stride + tap - 1;  // padding 1
          const bool inside = source >= 0 && source < n_in_frames;
          for (int64_t channel = 0; channel < n_in_channels; ++channel) {
            row[channel * kConvKernelSize + tap] = inside ? in[source * n_in_channels + channel] : 0.0f;
          }
        }
      }
    });
    CpuLinear(context_, columns.get(), n_out_frames, patch, weight_matrix, bias.data<float>(),
              LinearEpilogue::kGelu, out.data<float>() + batch * n_out_frames * n_out_channels);
  }
}

void CpuBackend::AddPositionalEmbedding(const Tensor& table, const int* first_positions, Tensor& x) {
  CheckPositionalEmbedding(table, first_positions, x, Device::kCpu, "CpuBackend::AddPositionalEmbedding");
  const int64_t n_batch = x.dim(0), n_frames = x.dim(1), width = x.dim(2);
  const SimdKernels& kernels = context_.kernels();
  context_.ParallelRows(n_batch * n_frames, kMinRowsPerTask, [&](int64_t begin, int64_t end, int) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t batch = row / n_frames;
      const int64_t position = (first_positions == nullptr ? 0 : first_positions[batch]) + row % n_frames;
      kernels.add(table.data<float>() + position * width, x.data<float>() + row * width, width);
    }
  });
}

void CpuBackend::EmbedTokens(const int32_t* tokens, const Tensor& table, Tensor& out) {
  const int64_t n_tokens = CheckEmbedTokens(tokens, table, out, Device::kCpu, "CpuBackend::EmbedTokens");
  const int64_t width = table.dim(1);
  const std::size_t row_bytes = static_cast<std::size_t>(width) * DTypeSize(table.dtype());
  const SimdKernels& kernels = context_.kernels();
  context_.ParallelRows(n_tokens, kMinRowsPerTask, [&](int64_t begin, int64_t end, int) {
    for (int64_t i = begin; i < end; ++i) {
      const void* row =
          static_cast<const char*>(table.raw()) + static_cast<std::size_t>(tokens[i]) * row_bytes;
      WidenToF32(kernels, table.dtype(), row, width, out.data<float>() + i * width);
    }
  });
}

void CpuBackend::Attention(
    const Tensor& q, const Tensor& k, const Tensor& v, int n_heads, const int* past_lengths, Tensor& out) {
  CheckAttention(q, k, v, n_heads, past_lengths, out, Device::kCpu, KvCacheDTypes::kF32Only,
                 IntermediateDTypes::kF32Only, "CpuBackend::Attention");
  AttentionShape shape;
  shape.n_batch = q.dim(0);
  shape.n_queries = q.dim(1);
  shape.n_keys = k.dim(1);
  shape.d_model = q.dim(2);
  shape.n_heads = n_heads;
  CpuAttention(context_, shape, q.data<float>(), k.data<float>(), v.data<float>(), past_lengths,
               out.data<float>());
}

void CpuBackend::CopyRows(
    const Tensor& src, const int* src_first_rows, int n_rows, const int* dst_first_rows, Tensor& dst) {
  CheckCopyRows(src, src_first_rows, n_rows, dst_first_rows, dst, Device::kCpu, KvCacheDTypes::kF32Only,
                "CpuBackend::CopyRows");
  const int64_t width = src.dim(2);
  for (int64_t batch = 0; batch < src.dim(0); ++batch) {
    const int64_t src_first = src_first_rows == nullptr ? 0 : src_first_rows[batch];
    const int64_t dst_first = dst_first_rows == nullptr ? 0 : dst_first_rows[batch];
    std::memcpy(dst.data<float>() + (batch * dst.dim(1) + dst_first) * width,
                src.data<float>() + (batch * src.dim(1) + src_first) * width,
                static_cast<std::size_t>(n_rows * width) * sizeof(float));
  }
}

}  // namespace verbatim
