// The CUDA backend: the Backend interface on one NVIDIA GPU. Weights live in device memory in their stored
// dtype; activations are f32; a 16-bit model's KV caches are f16 (kv_cache_dtype). Linear runs on cuBLAS
// (fp32 GEMM for f32 weights; f16/bf16 weights take the activations narrowed to the same type on tensor
// cores, accumulating in fp32); attention is one fused kernel that never materialises the score matrix.
// Everything is enqueued on one stream; Download waits for it.
//
// An f16 model's layer intermediates are f16 (intermediate_dtype: the encoder's normed input, q, k, v,
// attention output and MLP hidden layer), so that no GEMM converts its input first. A Linear on them is one
// cuBLASLt GEMM whose epilogue adds the bias (cublaslt_gemm.h): into an f16 intermediate, or added into the
// f32 residual stream by the GEMM itself (beta 1). Where cuBLASLt cannot do that (not loaded, no algorithm,
// a misaligned bias), and for the MLP's exact GELU, a cuBLAS GEMM is followed by one bias(+GELU) kernel.
//
// Attention: FlashAttention on tensor cores for the encoder (flash_attention.h, 16-bit models), split-key
// "flash decoding" for decoder steps, an exact warp-per-query kernel otherwise. A decoder step's Linears (≤
// 64 rows) run on a small-M tensor-core kernel (small_gemm.h), and the whole step is replayed from a CUDA
// graph (step_graph.h). Still to come: logit rules on the GPU.
//
// Environment, read when a backend is made: VERBATIM_CUDA_ATTENTION=exact (exact attention, f32 caches and
// intermediates for every model); VERBATIM_CUDA_F16_ENCODER=0 (f32 intermediates: every GEMM converts its
// input, as before f16 intermediates); VERBATIM_CUDA_F16_DECODER=0 (the decoder step's GEMM inputs in f32
// again: each Linear a conversion, a GEMM and a bias kernel); VERBATIM_CUDA_CUBLASLT=0 (no cuBLASLt: bias and
// GELU in kernels); VERBATIM_CUDA_SMALL_GEMM=0 (a decoder step's ≤ 64-row Linears on cuBLAS rather than the
// small-M kernel, small_gemm.h); VERBATIM_CUDA_GRAPHS=0 (every decoder step's operations launched one by one
// rather than replayed from a CUDA graph, step_graph.h); VERBATIM_CUDA_GELU=tanh (the MLP's GELU in
// cuBLASLt's epilogue, which computes GELU's tanh approximation rather than Whisper's erf: one pass over the
// hidden layer less); VERBATIM_CUDA_PROFILE=1 (cuda_profile.h).
#pragma once

#include <atomic>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>

#include "backend/backend.h"
#include "backend/backend_checks.h"
#include "backend/cuda/cublaslt_gemm.h"
#include "backend/cuda/cuda_kernels.h"
#include "backend/cuda/cuda_profile.h"
#include "backend/cuda/log_mel_kernels.h"
#include "backend/cuda/step_graph.h"

namespace verbatim {

struct CudaStreamState;

/** Whether this process can run the CUDA backend; when not, `why` says what is missing. */
bool CudaBackendAvailable(std::string* why);

class StreamedWeights;

/** How a CudaBackend keeps its memory (ModelLoadParams::gpu_memory). */
struct CudaBackendOptions {
  /**
   * The encoder's weights streamed from page-locked host memory, small encoder slices and cross-attention
   * over the audio. The environment's VERBATIM_CUDA_MEMORY=lean|fast, a measuring switch, wins over it.
   */
  bool lean_memory = false;
};

class CudaBackend final : public Backend {
 public:
  /**
   * A backend on GPU `device_index`.
   * @throws Error kBackend when there is no such GPU, the driver is unusable, or cuBLAS cannot be loaded.
   */
  explicit CudaBackend(int device_index = 0, const CudaBackendOptions& options = {});
  ~CudaBackend() override;

  std::string name() const override { return "cuda"; }
  Device device() const override { return Device::kCuda; }
  int n_threads() const override { return 1; }
  std::string device_name() const override { return device_name_; }
  /** The most device memory in use at once since the backend started (bytes, as the driver reports it). */
  std::size_t peak_device_bytes() const override;
  /**
   * f16 exactly when attention takes f16 operands anyway (a 16-bit matrix weight was prepared, and
   * VERBATIM_CUDA_ATTENTION is not "exact"): such a model's keys and values come from GEMMs on f16-rounded
   * activations already. f32 otherwise, so that an f32 model stays exact.
   */
  DType kv_cache_dtype() const override;
  /**
   * f16 exactly when a model's GEMMs and attention round their operands to f16 anyway: an f16 matrix weight
   * was prepared (bf16 models keep f32: their GEMMs take bf16, attention f16), attention is not "exact", and
   * VERBATIM_CUDA_F16_ENCODER is not 0. f32 otherwise.
   */
  DType intermediate_dtype() const override;
  DType decoder_intermediate_dtype() const override;

  /** Whether cuBLASLt is in use (loaded, and VERBATIM_CUDA_CUBLASLT not 0); when not, `why` says why. */
  bool has_cublaslt(std::string* why = nullptr) const;
  /**
   * Of the Linears on f16 intermediates that had a bias or GELU to apply: how many applied it in the GEMM's
   * cuBLASLt epilogue, and how many in a kernel after the GEMM. For tests; the profile names each call's.
   */
  struct EpilogueCounts {
    int64_t in_gemm = 0;
    int64_t in_kernel = 0;
    int64_t in_small_gemm = 0;  // Linears of ≤ 64 rows on the small-M kernel (any x), which applies its own
  };
  EpilogueCounts epilogue_counts() const;
  /**
   * Windows of cross-attention over the audio so far, by how they ran: AudioAttention's one kernel, or two
   * GEMMs around a softmax (f32 models, prompts, VERBATIM_CUDA_AUDIO_ATTENTION=gemms). For tests.
   */
  struct AudioAttentionCounts {
    int64_t fused_windows = 0;
    int64_t gemm_windows = 0;
  };
  AudioAttentionCounts audio_attention_counts() const;

  /** What VERBATIM_CUDA_MEMORY=lean's streamed encoder weights did so far (zeros when not lean). For tests.
   */
  struct StreamedWeightCounts {
    std::size_t host_bytes = 0;  // kept in page-locked host memory
    int64_t copies = 0;          // groups (layers) copied to the device
    int64_t misses = 0;          // Linears that read a streamed weight over the bus (not prefetched)
  };
  StreamedWeightCounts streamed_weight_counts() const;

  /** f32, or f16 for KV caches and intermediates (Error kBackend for another dtype). */
  Tensor Allocate(const std::vector<int64_t>& shape, DType dtype = DType::kF32) override;
  /**
   * A copy on the device; with VERBATIM_CUDA_MEMORY=lean, a kStreamedMatrix (the encoder's layers) stays in
   * page-locked host memory instead (streamed_weights.h) and visits the device a layer at a time.
   */
  Tensor PrepareWeight(const Tensor& host_weight, WeightUse use) override;
  /** Starts the next layer's copies on the copy stream (lean memory only). */
  void PrefetchWeights(const std::vector<const Tensor*>& next) override;
  /** 1 GiB; 256 MiB with VERBATIM_CUDA_MEMORY=lean. */
  int64_t activation_budget_bytes() const override;
  std::size_t weight_copy_bytes() const override { return weight_copy_bytes_.load(); }
  void Upload(const float* host, Tensor& dst) override;
  void Download(const Tensor& src, float* host) override;

  void Linear(const Tensor& x,
              const Tensor& stored_weight,
              const Tensor& bias,
              LinearEpilogue epilogue,
              Tensor& out) override;
  void LayerNorm(const Tensor& x, const Tensor& gain, const Tensor& offset, Tensor& out) override;
  void Transpose(const Tensor& x, Tensor& out) override;
  void Conv1dGelu(
      const Tensor& x, const Tensor& weight, const Tensor& bias, int stride, Tensor& out) override;
  void AddPositionalEmbedding(const Tensor& table, const int* first_positions, Tensor& x) override;
  void EmbedTokens(const int32_t* tokens, const Tensor& table, Tensor& out) override;
  void Attention(const Tensor& q,
                 const Tensor& k,
                 const Tensor& v,
                 int n_heads,
                 const int* past_lengths,
                 Tensor& out) override;
  void CopyRows(const Tensor& src,
                const int* src_first_rows,
                int n_rows,
                const int* dst_first_rows,
                Tensor& dst) override;
  void ArgMaxRows(const Tensor& x, int32_t* host_out) override;
  bool ChoosesTokens(int k) const override;
  void ChooseTokens(const Tensor& logits,
                    const LogitRuleValues& rules,
                    const std::vector<RowHistory>& rows,
                    int k,
                    int32_t* tokens,
                    float* logprobs) override;
  /** On the GPU (log_mel_kernels.h), from tables uploaded on the first call for each bin count. */
  void LogMel(const Tensor& samples, int n_mels, Tensor& out) override;
  /**
   * With VERBATIM_CUDA_MEMORY=lean (or VERBATIM_CUDA_CROSS_ATTENTION=audio), cross-attention over the
   * encoder's output itself (cuda_cross_attention.cc), the key and value projections folded into each step:
   * no keys or values are kept, only the audio in the weights' dtype. For f16 and f32 models; bf16 ones, f16
   * ones under VERBATIM_CUDA_ATTENTION=exact, and by default every model keep projected keys and values
   * (Backend's), which a step reads faster.
   */
  std::unique_ptr<CrossAttentionMemory> PrepareCrossAttention(
      const Tensor& audio, const std::vector<CrossAttentionProjections>& layers) override;
  void CrossAttention(const CrossAttentionMemory& memory,
                      int layer,
                      const Tensor& q,
                      int n_heads,
                      const std::vector<int>& rows_per_window,
                      Tensor& out) override;
  /**
   * Runs a decoder step as a CUDA graph once it has seen the same sequence of operations twice
   * (step_graph.h): recorded while it runs normally, captured the next time, replayed from then on — one
   * launch instead of ~20 a layer. Not with VERBATIM_CUDA_GRAPHS=0 or VERBATIM_CUDA_PROFILE=1 (a profile
   * times each operation).
   */
  void RunRepeatedStep(const std::function<void()>& step) override;
  /** Page-locked (cudaMallocHost): a logits download into it runs at the bus's speed. */
  std::shared_ptr<float> AllocateHostFloats(std::size_t n) override;
  /** Step graphs captured and launched so far, and why graphs are off (empty when on). For tests. */
  struct StepGraphCounts {
    int64_t captures = 0;
    int64_t launches = 0;
    std::string why_off;
  };
  StepGraphCounts step_graph_counts() const;

 private:
  /**
   * Every operation's first words on the device: false when it is to run; true while a step's graph is being
   * replayed (it launches nothing, its ints are in the arena already). `parts` identify the operation.
   */
  bool Replaying(std::initializer_list<uint64_t> parts);
  /** An operation that cannot be part of a step's graph (allocations, copies to or from the host). */
  void NotInSteps();
  /** Runs `step` as it is, recording its sequence of operations for a capture next time. */
  void RecordStep(const std::function<void()>& step);
  /**
   * out[M, N] (= or +=) x[M, K] · weight[N, K]ᵀ on cuBLAS; bias and GELU are applied by the caller. `out`
   * holds `out_dtype` elements: f32, or f16 (for f16 weights only: cuBLAS writes f16 from f16 operands).
   */
  void Gemm(const float* x,
            int64_t m,
            int64_t k,
            const Tensor& weight,
            bool accumulate,
            void* out,
            DType out_dtype = DType::kF32);
  /**
   * out[M, N] (= or +=) x[M, K] · weight[N, K]ᵀ on cuBLAS, x already in the weight's dtype (f32, f16 or
   * bf16); out f32, or f16 from f16 operands.
   */
  /** half_attention_ and f16_weights_ from a matrix weight's dtype. */
  void NoteMatrixDType(DType dtype);
  /** A streamed weight's device copy where prefetched, else the weight (StreamedWeights::Resident). */
  Tensor ResidentWeight(const Tensor& weight);
  /** A row-major operand of BatchedGemm: `ld` elements between rows, `stride` between the batch's matrices.
   */
  struct GemmOperand {
    const void* data;
    int64_t ld;
    int64_t stride;
    bool transposed = false;  // stored as op(X)ᵀ
  };
  struct GemmOutput {
    void* data;
    int64_t ld;
    int64_t stride;
  };
  /** c = alpha · op(a)[m, k] · op(b)[k, n] for each of `batch` matrices, on cuBLAS, f32 accumulation. */
  void BatchedGemm(const GemmOperand& a,
                   const GemmOperand& b,
                   const GemmOutput& c,
                   int64_t m,
                   int64_t n,
                   int64_t k,
                   int64_t batch,
                   float alpha,
                   DType ab_dtype,
                   DType c_dtype);
  void CublasGemm(
      const void* x, int64_t m, int64_t k, const Tensor& weight, bool accumulate, void* out, DType out_dtype);
  /** Whether a Linear runs on the small-M kernel (small_gemm.h): ≤ 64 rows, an f16 weight, K % 32 == 0. */
  bool UsesSmallGemm(const Tensor& x, const Tensor& weight, const LinearShape& shape) const;
  /** Linear on the small-M kernel: one launch with its bias, GELU or residual add. */
  void SmallLinear(const Tensor& x,
                   const LinearShape& shape,
                   const Tensor& weight,
                   const float* bias,
                   LinearEpilogue epilogue,
                   Tensor& out);
  /** Linear from an f32 x (the decoder, the f32 models, and f32 intermediates). */
  void LinearFromFloats(const float* x,
                        const LinearShape& shape,
                        const Tensor& weight,
                        const float* bias,
                        LinearEpilogue epilogue,
                        Tensor& out);
  /**
   * Linear from an f16 x with an f16 weight (a layer's f16 intermediates): one cuBLASLt GEMM with the bias
   * (and the tanh GELU, when asked) in its epilogue, or a cuBLAS GEMM and a bias(+GELU) kernel.
   */
  void LinearFromHalves(const cuda_kernels::Half* x,
                        const LinearShape& shape,
                        const Tensor& weight,
                        const float* bias,
                        LinearEpilogue epilogue,
                        Tensor& out);
  /**
   * Whether `gemm` (bias `has_bias`, GELU `gelu`) runs as one cuBLASLt GEMM with its epilogue; when not,
   * `why_not` says why (for the profile).
   */
  bool FusesEpilogue(const LtGemm& gemm, bool has_bias, bool gelu, std::string* why_not);
  /** out[M, N] = (gelu)(x · weightᵀ + bias) into f16 (Linear's f16 out from an f32 x; `bias` may be null). */
  void LinearIntoHalf(
      const float* x, int64_t m, int64_t k, const Tensor& weight, const float* bias, bool gelu, Tensor& out);
  /** Device scratch of `bytes`, freed in stream order when the returned owner goes. */
  std::shared_ptr<void> Scratch(std::size_t bytes, const char* operation);
  /** Scratch that operations of one kind reuse call after call (one stream: a call's kernels run after the
   * previous call's), grown when too small: no allocation per call in the decoder's hot loop. */
  enum class Reuse {
    kNarrowActivations,
    kAttentionPartials,
    kArgMaxColumns,
    kArgMaxShares,
    kLtWorkspace,
    kNarrowBias,
    kCrossQueries,  // CrossAttention's operands (cuda_cross_attention.cc)
    kCrossFolded,
    kCrossScores,
    kCrossProbabilities,
    kCrossContext,
    kTokenChoice,  // ChooseTokens' tokens and log-probabilities (cuda_token_choice.cc)
    kCount
  };
  void* Reused(Reuse use, std::size_t bytes, const char* operation);
  /** A device copy of a small host int array (kept alive by the returned owner). */
  std::shared_ptr<void> UploadInts(const int* host, int64_t n, const char* operation);
  /** A host int array for a kernel: inline in its launch when short, else uploaded (`keep` owns the copy). */
  cuda_kernels::IntArray Ints(const int* host, int64_t n, std::shared_ptr<void>& keep, const char* operation);

  /** LogMel's tables for `n_mels` in device memory: uploaded on first use, kept for the backend's life. */
  const cuda_kernels::LogMelTables* LogMelTablesFor(int n_mels, const char* operation);

  std::shared_ptr<CudaStreamState> state_;
  std::unique_ptr<CudaProfile> profile_;    // VERBATIM_CUDA_PROFILE=1; destroyed before the stream it times
  std::shared_ptr<void> cublas_workspace_;  // cuBLAS's (cublasSetWorkspace), freed in stream order
  std::unique_ptr<StepGraph> step_graph_;   // null when graphs are off
  std::string graphs_off_why_;
  struct ReusedBuffer {
    std::shared_ptr<void> memory;
    std::size_t bytes = 0;
  };
  ReusedBuffer reused_[static_cast<int>(Reuse::kCount)];
  std::string device_name_;
  // Many-query attention (the encoder) runs on tensor cores with f16 operands once a 16-bit matrix weight has
  // been prepared: such a model's GEMMs round their inputs to 16 bits already. An f32 model keeps exact f32
  // attention, and VERBATIM_CUDA_ATTENTION=exact keeps it for every model.
  std::atomic<bool> half_attention_{false};
  bool exact_attention_ = false;
  bool old_flash_kernel_ = false;      // VERBATIM_CUDA_FLASH=old: the shared-memory FlashAttention kernel
  bool old_decode_attention_ = false;  // VERBATIM_CUDA_DECODE_ATTENTION=old: SplitKernel::kWarpShares
  // f16 intermediates once an f16 matrix weight has been prepared (intermediate_dtype), unless switched off.
  std::atomic<bool> f16_weights_{false};
  bool f16_intermediates_allowed_ = true;
  bool f16_decoder_allowed_ = true;  // VERBATIM_CUDA_F16_DECODER=0: not for the decoder step
  bool gelu_in_epilogue_ = false;    // VERBATIM_CUDA_GELU=tanh
  // Lean memory (CudaBackendOptions, VERBATIM_CUDA_MEMORY=lean): encoder weights streamed from host memory
  // (streamed_ non-null), small encoder slices, and cross-attention over the audio; otherwise cross-attention
  // over projected keys and values (Backend's). VERBATIM_CUDA_CROSS_ATTENTION=audio or =projected chooses the
  // cross-attention either way.
  bool projected_cross_attention_ = true;
  bool audio_attention_gemms_ = false;  // VERBATIM_CUDA_AUDIO_ATTENTION=gemms: over the audio by two GEMMs
  bool choose_on_host_ = false;  // VERBATIM_CUDA_CHOOSE=host: decoding passes choose from downloaded logits
  std::unique_ptr<StreamedWeights> streamed_;  // lean memory only
  bool small_gemm_allowed_ = true;     // VERBATIM_CUDA_SMALL_GEMM=0: ≤ 64-row Linears on cuBLAS as before
  std::unique_ptr<CublasLtGemms> lt_;  // null without cuBLASLt: epilogues then run as kernels
  std::string lt_missing_why_;
  EpilogueCounts epilogue_counts_;
  AudioAttentionCounts audio_attention_counts_;
  std::atomic<std::size_t> weight_copy_bytes_{0};
  std::shared_ptr<void> log_mel_tables_[2];  // LogMelTablesFor's, for 80 and 128 mel bins
  // Operations serialise on the stream and the cuBLAS handles; RunRepeatedStep holds it across a whole step
  // (recursive: the step's operations lock it again), so that no other thread's work joins a capture.
  mutable std::recursive_mutex mutex_;
};

}  // namespace verbatim
