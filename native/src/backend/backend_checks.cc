#include "backend/backend_checks.h"

#include <initializer_list>

#include "audio/audio_constants.h"
#include "audio/mel_filters.h"
#include "core/fail.h"

namespace verbatim {
namespace {

constexpr int kConvKernelSize = 3;

}  // namespace

void CheckOnDevice(const Tensor& tensor, Device device, const char* operation, const char* what) {
  if (tensor.device() != device) {
    Fail(ErrorCode::kBackend, operation, what, " is not in ", device == Device::kCpu ? "CPU" : "GPU",
         " memory");
  }
}

void CheckF32(const Tensor& tensor, Device device, const char* operation, const char* what) {
  CheckOnDevice(tensor, device, operation, what);
  if (tensor.dtype() != DType::kF32)
    Fail(ErrorCode::kInternal, operation, what, " must be f32, found ", DTypeName(tensor.dtype()));
}

void CheckCacheOperand(
    const Tensor& tensor, KvCacheDTypes caches, Device device, const char* operation, const char* what) {
  CheckOnDevice(tensor, device, operation, what);
  const DType dtype = tensor.dtype();
  if (dtype == DType::kF32 || (dtype == DType::kF16 && caches == KvCacheDTypes::kF32OrF16))
    return;
  if (dtype == DType::kF16)
    Fail(ErrorCode::kBackend, operation, what, " is f16, but this backend keeps KV caches in f32 only");
  Fail(ErrorCode::kInternal, operation, what, " must be f32",
       caches == KvCacheDTypes::kF32OrF16 ? " or f16" : "", ", found ", DTypeName(dtype));
}

void CheckIntermediate(const Tensor& tensor,
                       IntermediateDTypes intermediates,
                       Device device,
                       const char* operation,
                       const char* what) {
  CheckOnDevice(tensor, device, operation, what);
  const DType dtype = tensor.dtype();
  if (dtype == DType::kF32 || (dtype == DType::kF16 && intermediates == IntermediateDTypes::kF32OrF16))
    return;
  if (dtype == DType::kF16)
    Fail(ErrorCode::kBackend, operation, what, " is f16, but this backend keeps intermediates in f32 only");
  Fail(ErrorCode::kInternal, operation, what, " must be f32",
       intermediates == IntermediateDTypes::kF32OrF16 ? " or f16" : "", ", found ", DTypeName(dtype));
}

void CheckRank(const Tensor& tensor, int rank, const char* operation, const char* what) {
  if (tensor.rank() != rank) {
    Fail(ErrorCode::kInternal, operation, what, " must have rank ", rank, ", found shape ",
         tensor.ShapeString());
  }
}

void CheckElements(const Tensor& tensor, int64_t expected, const char* operation, const char* what) {
  if (tensor.numel() != expected) {
    Fail(ErrorCode::kInternal, operation, what, " must hold ", expected, " elements, found shape ",
         tensor.ShapeString());
  }
}

int64_t RowsOf(const Tensor& tensor, int64_t width, const char* operation, const char* what) {
  if (width <= 0 || tensor.numel() % width != 0) {
    Fail(ErrorCode::kInternal, operation, what, " of shape ", tensor.ShapeString(), " is not rows of ",
         width);
  }
  return tensor.numel() / width;
}

LinearShape CheckLinear(const Tensor& x,
                        const Tensor& weight,
                        const Tensor& bias,
                        LinearEpilogue epilogue,
                        const Tensor& out,
                        Device device,
                        KvCacheDTypes caches,
                        IntermediateDTypes intermediates,
                        const char* operation) {
  CheckIntermediate(x, intermediates, device, operation, "x");
  CheckOnDevice(weight, device, operation, "the weight");
  CheckRank(weight, 2, operation, "the weight");
  const bool half_x = x.dtype() == DType::kF16;
  // An f16 out from an f32 x is a cross-attention cache being filled; from an f16 x, an intermediate (q, k,
  // v, or the MLP's hidden layer after its GELU).
  if (half_x)
    CheckIntermediate(out, intermediates, device, operation, "out");
  else
    CheckCacheOperand(out, caches, device, operation, "out");
  // Nothing adds into f16 (caches, intermediates: the residual stream is f32), and a cache takes no GELU.
  if (out.dtype() == DType::kF16 && epilogue != LinearEpilogue::kStore &&
      !(half_x && epilogue == LinearEpilogue::kGelu)) {
    Fail(ErrorCode::kInternal, operation, "an f16 out takes LinearEpilogue::kStore only",
         half_x ? ", or kGelu" : "", ", found ", epilogue == LinearEpilogue::kGelu ? "kGelu" : "kAccumulate");
  }
  LinearShape shape{0, weight.dim(0), weight.dim(1)};
  shape.m = RowsOf(x, shape.k, operation, "x");
  CheckElements(out, shape.m * shape.n, operation, "out");
  if (!bias.empty()) {
    CheckF32(bias, device, operation, "the bias");
    CheckElements(bias, shape.n, operation, "the bias");
  }
  return shape;
}

int64_t CheckLayerNorm(const Tensor& x,
                       const Tensor& gain,
                       const Tensor& offset,
                       const Tensor& out,
                       Device device,
                       IntermediateDTypes intermediates,
                       const char* operation) {
  CheckF32(x, device, operation, "x");
  CheckF32(gain, device, operation, "the gain");
  CheckF32(offset, device, operation, "the offset");
  CheckIntermediate(out, intermediates, device, operation, "out");
  const int64_t width = gain.numel();
  CheckElements(offset, width, operation, "the offset");
  const int64_t rows = RowsOf(x, width, operation, "x");
  CheckElements(out, x.numel(), operation, "out");
  return rows;
}

void CheckTranspose(const Tensor& x, const Tensor& out, Device device, const char* operation) {
  CheckF32(x, device, operation, "x");
  CheckF32(out, device, operation, "out");
  CheckRank(x, 3, operation, "x");
  CheckElements(out, x.numel(), operation, "out");
}

int64_t CheckLogMel(
    const Tensor& samples, int n_mels, const Tensor& out, Device device, const char* operation) {
  CheckMelBinCount(n_mels, operation);
  CheckF32(samples, device, operation, "samples");
  CheckF32(out, device, operation, "out");
  CheckRank(samples, 2, operation, "samples");
  const int64_t n_batch = samples.dim(0);
  CheckElements(samples, n_batch * static_cast<int64_t>(kWindowSamples), operation, "samples");
  CheckElements(out, n_batch * n_mels * static_cast<int64_t>(kWindowFrames), operation, "out");
  return n_batch;
}

int64_t CheckEmbedTokens(
    const int32_t* tokens, const Tensor& table, const Tensor& out, Device device, const char* operation) {
  CheckOnDevice(table, device, operation, "the table");
  CheckRank(table, 2, operation, "the table");
  CheckF32(out, device, operation, "out");
  const int64_t vocabulary = table.dim(0);
  const int64_t n_tokens = RowsOf(out, table.dim(1), operation, "out");
  for (int64_t i = 0; i < n_tokens; ++i) {
    if (tokens[i] < 0 || tokens[i] >= vocabulary)
      Fail(ErrorCode::kInvalidArg, operation, "token out of range [0, ", vocabulary, "): ", tokens[i]);
  }
  return n_tokens;
}

int64_t CheckConv1dGelu(const Tensor& x,
                        const Tensor& weight,
                        const Tensor& bias,
                        int stride,
                        const Tensor& out,
                        Device device,
                        const char* operation) {
  CheckF32(x, device, operation, "x");
  CheckRank(x, 3, operation, "x");
  CheckOnDevice(weight, device, operation, "the weight");
  CheckRank(weight, 3, operation, "the weight");
  CheckF32(bias, device, operation, "the bias");
  CheckF32(out, device, operation, "out");
  if (weight.dim(1) != x.dim(2) || weight.dim(2) != kConvKernelSize) {
    Fail(ErrorCode::kInternal, operation, "weight ", weight.ShapeString(), " does not fit input ",
         x.ShapeString());
  }
  if (stride != 1 && stride != 2)
    Fail(ErrorCode::kInternal, operation, "stride must be 1 or 2: ", stride);
  CheckElements(bias, weight.dim(0), operation, "the bias");
  const int64_t n_out_frames = (x.dim(1) - 1) / stride + 1;
  CheckElements(out, x.dim(0) * n_out_frames * weight.dim(0), operation, "out");
  return n_out_frames;
}

void CheckPositionalEmbedding(
    const Tensor& table, const int* first_positions, const Tensor& x, Device device, const char* operation) {
  CheckF32(table, device, operation, "the table");
  CheckRank(table, 2, operation, "the table");
  CheckF32(x, device, operation, "x");
  CheckRank(x, 3, operation, "x");
  if (table.dim(1) != x.dim(2))
    Fail(ErrorCode::kInternal, operation, "table ", table.ShapeString(), " vs x ", x.ShapeString());
  for (int64_t batch = 0; batch < x.dim(0); ++batch) {
    const int64_t first = first_positions == nullptr ? 0 : first_positions[batch];
    if (first < 0 || first + x.dim(1) > table.dim(0)) {
      Fail(ErrorCode::kInternal, operation, "positions [", first, ", ", first + x.dim(1),
           ") exceed the table's ", table.dim(0));
    }
  }
}

void CheckAttention(const Tensor& q,
                    const Tensor& k,
                    const Tensor& v,
                    int n_heads,
                    const int* past_lengths,
                    const Tensor& out,
                    Device device,
                    KvCacheDTypes caches,
                    IntermediateDTypes intermediates,
                    const char* operation) {
  CheckIntermediate(q, intermediates, device, operation, "q");
  CheckIntermediate(out, intermediates, device, operation, "out");
  CheckCacheOperand(k, caches, device, operation, "k");
  CheckCacheOperand(v, caches, device, operation, "v");
  if (k.dtype() != v.dtype())
    Fail(ErrorCode::kInternal, operation, "k is ", DTypeName(k.dtype()), " but v is ", DTypeName(v.dtype()));
  if (q.dtype() != out.dtype())
    Fail(ErrorCode::kInternal, operation, "q is ", DTypeName(q.dtype()), " but out is ",
         DTypeName(out.dtype()));
  if (q.dtype() == DType::kF16 && k.dtype() != DType::kF16)
    Fail(ErrorCode::kInternal, operation, "q is f16 but k and v are ", DTypeName(k.dtype()));
  for (const Tensor* tensor : std::initializer_list<const Tensor*>{&q, &k, &v, &out})
    CheckRank(*tensor, 3, operation, "q, k, v and out");
  const int64_t n_batch = q.dim(0), n_queries = q.dim(1), n_keys = k.dim(1), d_model = q.dim(2);
  if (k.shape() != v.shape() || out.shape() != q.shape() || k.dim(0) != n_batch || k.dim(2) != d_model ||
      n_heads <= 0 || d_model % n_heads != 0) {
    Fail(ErrorCode::kInternal, operation, "shapes q ", q.ShapeString(), ", k ", k.ShapeString(), ", v ",
         v.ShapeString(), ", out ", out.ShapeString(), " with ", n_heads, " heads");
  }
  if (past_lengths == nullptr)
    return;
  for (int64_t batch = 0; batch < n_batch; ++batch) {
    if (past_lengths[batch] < 0 || past_lengths[batch] + n_queries > n_keys) {
      Fail(ErrorCode::kInternal, operation, "sequence ", batch, ": ", past_lengths[batch], " + ", n_queries,
           " positions exceed the cache's ", n_keys);
    }
  }
}

void CheckCopyRows(const Tensor& src,
                   const int* src_first_rows,
                   int n_rows,
                   const int* dst_first_rows,
                   const Tensor& dst,
                   Device device,
                   KvCacheDTypes caches,
                   const char* operation) {
  CheckCacheOperand(src, caches, device, operation, "src");
  CheckCacheOperand(dst, caches, device, operation, "dst");
  if (src.dtype() == DType::kF16 && dst.dtype() == DType::kF32)
    Fail(ErrorCode::kInternal, operation, "src is f16 and dst f32: CopyRows narrows, never widens");
  CheckRank(src, 3, operation, "src");
  CheckRank(dst, 3, operation, "dst");
  if (dst.dim(0) != src.dim(0) || dst.dim(2) != src.dim(2))
    Fail(ErrorCode::kInternal, operation, "src ", src.ShapeString(), " vs dst ", dst.ShapeString());
  for (int64_t batch = 0; batch < src.dim(0); ++batch) {
    const int64_t src_first = src_first_rows == nullptr ? 0 : src_first_rows[batch];
    const int64_t dst_first = dst_first_rows == nullptr ? 0 : dst_first_rows[batch];
    if (n_rows < 0 || src_first < 0 || dst_first < 0 || src_first + n_rows > src.dim(1) ||
        dst_first + n_rows > dst.dim(1)) {
      Fail(ErrorCode::kInternal, operation, "rows out of range in sequence ", batch);
    }
  }
}

}  // namespace verbatim
