// The decoder's cross-attention on the GPU over the encoder's output itself, with no keys or values stored.
//
// A head's scores are q_h · k_jᵀ with k_j = W_k,h · e_j (e_j the audio's frame j, W_k,h the head's 64 rows of
// the key projection): the same as (q_h · W_k,h) · e_jᵀ, a query folded into the audio's width d. Its output
// Σ_j p_j · (W_v,h · e_j + b_v,h) is W_v,h · (Σ_j p_j · e_j) + b_v,h, since the p_j sum to 1. So a layer's
// cross-attention is, for all heads at once:
//   folded [rows, H, d]   = q_h · W_k,h                   (a GEMM per head, batched)
//   context [rows·H, d]   = softmax(folded · E_wᵀ / sqrt(hd)) · E_w   per window w
//   out[:, h]             = context_h · W_v,hᵀ + b_v,h    (a GEMM per head, batched)
// (a key bias, which Whisper does not have, adds one constant per query to every score: softmax ignores it).
// The middle line is one kernel (audio_attention.h) that reads each window's audio once for all its
// query-heads; f32 models, widths it has no configuration for and windows of more than 128 query-heads (a
// prompt) take it as two GEMMs around a softmax, which read the audio twice.
// What the decoder keeps of a batch is the audio in the weights' dtype — large-v3 at 16 windows: 61 MB in
// f16, instead of 3.9 GB of keys and values for its 32 layers. Measured (tools/cuda/README.md, session 10,
// H100): the two-GEMM form ~90 µs a large-v3 layer against ~40 for the projected keys and values' one kernel.
#include <cmath>
#include <optional>
#include <string>

#include "backend/backend_checks.h"
#include "backend/cuda/audio_attention.h"
#include "backend/cuda/cublas_loader.h"
#include "backend/cuda/cuda_backend.h"
#include "backend/cuda/cuda_backend_support.h"
#include "backend/cuda/cuda_kernels.h"
#include "backend/cuda/cuda_profile.h"

namespace verbatim {
namespace {

constexpr const char* kOperation = "CudaBackend::CrossAttention";

/** CudaBackend's cross-attention memory: the audio, and each layer's key and value projections. */
class AudioCrossAttention final : public CrossAttentionMemory {
 public:
  Tensor audio;  // [n_windows, n_audio_ctx, d] in the projections' dtype: f16, or f32 (the encoder's output)
  std::vector<CrossAttentionProjections> layers;
  int audio_attention_blocks = 0;  // AudioAttentionConcurrentBlocks: 0 where its kernel does not run
};

/** Consecutive windows with the same number of rows: one batched GEMM each. */
struct WindowRun {
  int64_t first_window = 0, n_windows = 0;
  int64_t first_row = 0;  // of the decoder's rows
  int64_t rows_each = 0;
};

std::vector<WindowRun> Runs(const std::vector<int>& rows_per_window) {
  std::vector<WindowRun> runs;
  int64_t row = 0;
  for (int64_t window = 0; window < static_cast<int64_t>(rows_per_window.size()); ++window) {
    const int64_t count = rows_per_window[window];
    if (count > 0 && !runs.empty() && runs.back().rows_each == count &&
        runs.back().first_window + runs.back().n_windows == window) {
      runs.back().n_windows += 1;
    } else if (count > 0) {
      runs.push_back({window, 1, row, count});
    }
    row += count;
  }
  return runs;
}

}  // namespace

std::unique_ptr<CrossAttentionMemory> CudaBackend::PrepareCrossAttention(
    const Tensor& audio, const std::vector<CrossAttentionProjections>& layers) {
  // Over the audio where its projections are f16 or f32 alike and attention keeps their precision; otherwise
  // (VERBATIM_CUDA_CROSS_ATTENTION=projected, bf16 weights, f16 weights under exact attention) keys and
  // values.
  const DType dtype = layers.empty() ? DType::kF32 : layers.front().key_weight.dtype();
  bool over_audio = !projected_cross_attention_ && audio.rank() == 3 &&
                    (dtype == DType::kF32 || (dtype == DType::kF16 && kv_cache_dtype() == DType::kF16));
  for (const CrossAttentionProjections& layer : layers)
    over_audio = over_audio && layer.key_weight.dtype() == dtype && layer.value_weight.dtype() == dtype;
  if (!over_audio)
    return Backend::PrepareCrossAttention(audio, layers);
  CheckF32(audio, Device::kCuda, kOperation, "the audio");
  auto memory = std::make_unique<AudioCrossAttention>();
  memory->layers = layers;
  if (dtype == DType::kF32) {
    memory->audio = audio;  // shared, not copied
    return memory;
  }
  memory->audio = Allocate(audio.shape(), DType::kF16);
  const std::lock_guard<std::recursive_mutex> lock(mutex_);
  NotInSteps();
  cudaSetDevice(state_->device);
  if (!audio_attention_gemms_)
    memory->audio_attention_blocks = cuda_kernels::AudioAttentionConcurrentBlocks(audio.dim(2));
  cuda_kernels::F32ToF16(audio.data<float>(), memory->audio.data<uint16_t>(), audio.numel(), state_->stream);
  CheckLaunch(kOperation);
  return memory;
}

void CudaBackend::BatchedGemm(const GemmOperand& a,
                              const GemmOperand& b,
                              const GemmOutput& c,
                              int64_t m,
                              int64_t n,
                              int64_t k,
                              int64_t batch,
                              float alpha,
                              DType ab_dtype,
                              DType c_dtype) {
  // Row-major C = op(A) · op(B) is column-major Cᵀ = op(B)ᵀ · op(A)ᵀ: B goes first, each keeping its own
  // transposition flag.
  const float beta = 0.0f;
  const cudaDataType ab_type = CudaTypeOf(ab_dtype);
  const int status = state_->api->gemm_strided_batched_ex(
      state_->cublas, b.transposed ? kCublasOpT : kCublasOpN, a.transposed ? kCublasOpT : kCublasOpN,
      static_cast<int>(n), static_cast<int>(m), static_cast<int>(k), &alpha, b.data, ab_type,
      static_cast<int>(b.ld), b.stride, a.data, ab_type, static_cast<int>(a.ld), a.stride, &beta, c.data,
      CudaTypeOf(c_dtype), static_cast<int>(c.ld), c.stride, static_cast<int>(batch), kCublasCompute32F,
      kCublasGemmDefault);
  if (status != kCublasStatusSuccess) {
    Fail(ErrorCode::kBackend, kOperation, "cublasGemmStridedBatchedEx ", batch, " × ", m, "×", n, "×", k, " ",
         DTypeName(ab_dtype), ": ", CublasStatusName(status));
  }
}

void CudaBackend::CrossAttention(const CrossAttentionMemory& memory,
                                 int layer,
                                 const Tensor& q,
                                 int n_heads,
                                 const std::vector<int>& rows_per_window,
                                 Tensor& out) {
  const auto* over_audio = dynamic_cast<const AudioCrossAttention*>(&memory);
  if (over_audio == nullptr) {
    Backend::CrossAttention(memory, layer, q, n_heads, rows_per_window, out);
    return;
  }
  const Tensor& audio = over_audio->audio;
  CheckF32(q, Device::kCuda, kOperation, "q");
  CheckF32(out, Device::kCuda, kOperation, "out");
  const int64_t n_windows = audio.dim(0), n_audio = audio.dim(1), width = audio.dim(2);
  int64_t n_rows = 0;
  for (const int count : rows_per_window)
    n_rows += count;
  if (layer < 0 || layer >= static_cast<int>(over_audio->layers.size()) || q.rank() != 3 ||
      q.shape() != out.shape() || q.dim(0) != n_rows || q.dim(2) != width ||
      static_cast<int64_t>(rows_per_window.size()) != n_windows || n_heads < 1 || width % n_heads != 0) {
    Fail(ErrorCode::kInternal, kOperation, "layer ", layer, ", q ", q.ShapeString(), ", out ",
         out.ShapeString(), ", ", rows_per_window.size(), " windows of rows (", n_rows, " rows) for audio ",
         audio.ShapeString(), ", ", n_heads, " heads");
  }
  const CrossAttentionProjections& projections = over_audio->layers[layer];
  const int64_t n_queries = n_rows * q.dim(1), head = width / n_heads;
  if (n_queries == 0)
    return;
  const std::lock_guard<std::recursive_mutex> lock(mutex_);
  if (Replaying({Part(StepOperation::kCrossAttention), Id(q.raw()), Id(audio.raw()),
                 Id(projections.key_weight.raw()), Id(projections.value_weight.raw()),
                 Id(projections.value_bias.raw()), Id(out.raw()), Part(n_queries), Part(width),
                 static_cast<uint64_t>(n_heads), StepGraph::Part(rows_per_window), Part(audio.dtype())})) {
    return;
  }
  cudaSetDevice(state_->device);
  // A profile times the parts apart (fold, attend or scores/softmax/context, out): "CrossAttention/<part>
  // q<queries> k<frames> d<width> <dtype>".
  auto part = [&](const char* name) {
    return [&, name] {
      return std::string("CrossAttention/") + name + " q" + std::to_string(n_queries) + " k" +
             std::to_string(n_audio) + " d" + std::to_string(width) + " " + DTypeName(audio.dtype());
    };
  };
  std::optional<ProfileScope> timed;
  const DType narrow = audio.dtype();  // the GEMMs' operands: f16, or f32 throughout
  const std::size_t narrow_size = DTypeSize(narrow);

  // The queries in the audio's dtype (f32 ones as they are).
  timed.emplace(profile_.get(), part("fold"));
  const void* queries = q.raw();
  if (narrow == DType::kF16) {
    void* halves = Reused(Reuse::kCrossQueries, n_queries * width * narrow_size, kOperation);
    cuda_kernels::F32ToF16(q.data<float>(), static_cast<uint16_t*>(halves), n_queries * width,
                           state_->stream);
    CheckLaunch(kOperation);
    queries = halves;
  }
  void* folded = Reused(Reuse::kCrossFolded, n_queries * n_heads * width * narrow_size, kOperation);
  void* context = Reused(Reuse::kCrossContext, n_queries * n_heads * width * narrow_size, kOperation);
  auto at = [](const void* base, int64_t elements, std::size_t size) {
    return static_cast<char*>(const_cast<void*>(base)) + elements * static_cast<int64_t>(size);
  };

  // folded[:, h] = q[:, h] · W_k,h, one GEMM per head.
  BatchedGemm({queries, width, head, false}, {projections.key_weight.raw(), width, head * width, false},
              {folded, n_heads * width, width}, n_queries, width, head, n_heads, 1.0f, narrow, narrow);
  // The context per run of windows with equal rows: a window's query-heads are contiguous.
  const float score_scale = 1.0f / std::sqrt(static_cast<float>(head));
  const int64_t per_query = n_queries / n_rows;  // n_new
  for (const WindowRun& run : Runs(rows_per_window)) {
    const int64_t m = run.rows_each * per_query * n_heads;  // a window's query-heads
    const int64_t first = run.first_row * per_query * n_heads;
    const void* window_audio = at(audio.raw(), run.first_window * n_audio * width, narrow_size);
    if (narrow == DType::kF16 && over_audio->audio_attention_blocks > 0 &&
        m <= cuda_kernels::kAudioAttentionMaxQueries) {
      timed.emplace(profile_.get(), part("attend"));
      const cuda_kernels::AudioAttentionShape shape{run.n_windows, m, n_audio, width};
      const int blocks = over_audio->audio_attention_blocks;
      const int64_t scratch_floats = cuda_kernels::AudioAttentionScratchFloats(shape, blocks);
      auto* scratch =
          scratch_floats == 0
              ? nullptr
              : static_cast<float*>(Reused(Reuse::kCrossScores, scratch_floats * sizeof(float), kOperation));
      cuda_kernels::AudioAttention(
          shape, reinterpret_cast<const cuda_kernels::Half*>(at(folded, first * width, 2)),
          static_cast<const cuda_kernels::Half*>(window_audio), score_scale, blocks, scratch,
          reinterpret_cast<cuda_kernels::Half*>(at(context, first * width, 2)), state_->stream);
      CheckLaunch(kOperation);
      audio_attention_counts_.fused_windows += run.n_windows;
      continue;
    }
    audio_attention_counts_.gemm_windows += run.n_windows;
    // Two GEMMs around a softmax: scores [m, T] per window in f32, probabilities in the GEMMs' dtype.
    const int64_t n_scores = run.n_windows * m * n_audio;
    timed.emplace(profile_.get(), part("scores"));
    auto* scores = static_cast<float*>(Reused(Reuse::kCrossScores, n_scores * sizeof(float), kOperation));
    void* probabilities = narrow == DType::kF32
                              ? static_cast<void*>(scores)
                              : Reused(Reuse::kCrossProbabilities, n_scores * narrow_size, kOperation);
    BatchedGemm({at(folded, first * width, narrow_size), width, m * width, false},
                {window_audio, width, n_audio * width, true}, {scores, n_audio, m * n_audio}, m, n_audio,
                width, run.n_windows, score_scale, narrow, DType::kF32);
    timed.emplace(profile_.get(), part("softmax"));
    if (narrow == DType::kF16) {
      cuda_kernels::SoftmaxRows(scores, static_cast<cuda_kernels::Half*>(probabilities), run.n_windows * m,
                                n_audio, state_->stream);
    } else {
      cuda_kernels::SoftmaxRows(scores, scores, run.n_windows * m, n_audio, state_->stream);
    }
    CheckLaunch(kOperation);
    timed.emplace(profile_.get(), part("context"));
    BatchedGemm({probabilities, n_audio, m * n_audio, false}, {window_audio, width, n_audio * width, false},
                {at(context, first * width, narrow_size), width, m * width}, m, width, n_audio, run.n_windows,
                1.0f, narrow, narrow);
  }
  // out[:, h] = context[:, h] · W_v,hᵀ (+ b_v), one GEMM per head, into the f32 output.
  timed.emplace(profile_.get(), part("out"));
  BatchedGemm({context, n_heads * width, width, false},
              {projections.value_weight.raw(), width, head * width, true}, {out.raw(), width, head},
              n_queries, head, width, n_heads, 1.0f, narrow, DType::kF32);
  if (!projections.value_bias.empty()) {
    cuda_kernels::BiasEpilogue(out.data<float>(), projections.value_bias.data<float>(), n_queries, width,
                               false, state_->stream);
    CheckLaunch(kOperation);
  }
}

}  // namespace verbatim
