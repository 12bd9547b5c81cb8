// The compute backend: the operations the Whisper model is written in, once, for every device. The CPU
// backend (backend/cpu/) implements them with OpenBLAS, SIMD kernels and a thread pool; a CUDA backend
// implements the same interface. Tensors say which device holds them; the model code never branches on
// the device.
//
// Conventions for every operation:
// - Activations are f32, row-major and contiguous; "[M, K]" means any tensor of M · K elements whose last
//   dimension is K (a [B, T, D] activation is a [B · T, D] matrix).
// - KV caches are kv_cache_dtype(): f32, or f16 on a backend that keeps them narrow. Only the operations that
//   fill or read caches take f16 tensors (Linear's out, Attention's k and v, CopyRows' src and dst); a
//   backend that keeps caches in f32 refuses them there with Error kBackend, and an f16 tensor anywhere else
//   is a caller's bug (kInternal).
// - A layer's intermediates are intermediate_dtype(): f32, or f16 on a backend whose GEMMs and attention
//   round their operands to f16 anyway. Such a backend also takes f16 for Linear's x (and its out, with
//   kStore or kGelu, when x is f16), LayerNorm's out, and Attention's q, k, v and out together; the residual
//   stream that LayerNorm reads and Linear's kAccumulate adds into stays f32.
// - Weight matrices come from PrepareWeight(…, WeightUse::kMatrix) and may be f32, f16 or bf16; arithmetic
//   is f32. Vectors (biases, norm parameters, positional tables) come from PrepareWeight(…,
//   WeightUse::kVector) and are f32.
// - Small integer arrays (tokens, sequence lengths) are host memory; a device backend copies what it needs.
// - Shapes are the caller's responsibility: a mismatch is a bug and fails with Error kInternal. A tensor
//   on another device fails with Error kBackend. An operation a backend does not implement fails with
//   Error kBackend naming the operation and the backend: never silently wrong.
//
// Thread-safety: a backend may be called from several threads; calls serialise on its compute resources
// (the CPU backend's thread pool). Operations run synchronously as far as the caller can tell: Download
// returns the results of everything issued before it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace verbatim {

/** Whisper's LayerNorm epsilon (torch.nn.LayerNorm's default). */
constexpr float kLayerNormEpsilon = 1e-5f;

/** How a weight is used, which decides the form a backend keeps it in. */
enum class WeightUse {
  /** A Linear, Conv1d or embedding matrix: kept in its stored dtype (f32, f16, bf16), widened on the fly. */
  kMatrix,
  /** A bias, a norm's gain or offset, a positional table: kept as f32 (a copy only when stored narrower). */
  kVector,
  /**
   * A kMatrix used once per pass, a layer's worth after another (the encoder's): a backend short of device
   * memory may keep it in host memory and bring each layer's in ahead of its use (Backend::PrefetchWeights).
   */
  kStreamedMatrix,
};

/** Whether a weight of this use is a matrix (kMatrix or kStreamedMatrix). */
constexpr bool IsMatrix(WeightUse use) {
  return use != WeightUse::kVector;
}

/** What Linear does with its result y = x · Wᵀ + bias. */
enum class LinearEpilogue {
  kStore,       // out = y
  kGelu,        // out = gelu(y): an MLP's first layer, without another pass over its 4·d activations
  kAccumulate,  // out += y: the residual add after attention and MLP
};

/**
 * Whisper's logit rules as plain values, for a backend that applies them where the logits are
 * (Backend::ChooseTokens). model/decoding/logit_rules.h is what they mean and how the host applies
 * them: suppress_blank at a window's first new token; `suppressed` always; with `timestamps`, OpenAI's
 * ApplyTimestampRules (<|notimestamps|> never, timestamps in pairs and never backwards, the first token a
 * timestamp at most max_initial_timestamp_index, a timestamp when the timestamps together outweigh the
 * likeliest text token).
 */
struct LogitRuleValues {
  bool suppress_blank = false;
  int32_t blank = -1;
  int32_t end_of_text = -1;
  std::vector<int32_t> suppressed;  // ids in [0, n_vocab)
  bool timestamps = false;
  int32_t no_timestamps = -1;
  int32_t timestamp_begin = -1;
  int32_t max_initial_timestamp_index = -1;  // < 0: no limit
};

/** What the rules need of a row's tokens after its start sequence (-1: none such). */
struct RowHistory {
  int32_t n_sampled = 0;
  int32_t last = -1;
  int32_t penultimate = -1;
  int32_t last_timestamp = -1;  // the latest token ≥ timestamp_begin
};

/** One decoder layer's projections of the audio for its cross-attention: keys (bias may be empty) and values.
 */
struct CrossAttentionProjections {
  Tensor key_weight, key_bias;
  Tensor value_weight, value_bias;
};

/**
 * What the decoder's cross-attention keeps of a batch of encoded windows, in a form of the backend's choosing
 * (Backend::PrepareCrossAttention): made once per batch, read by every step, never changed. It holds device
 * memory until it goes, and must not outlive its backend.
 */
class CrossAttentionMemory {
 public:
  virtual ~CrossAttentionMemory() = default;
};

class Backend {
 public:
  virtual ~Backend() = default;

  /** "cpu", "cuda". */
  virtual std::string name() const = 0;
  virtual Device device() const = 0;
  /** Host threads the backend computes with. */
  virtual int n_threads() const = 0;
  /** The accelerator's name ("NVIDIA H100 80GB HBM3"); empty for the CPU. */
  virtual std::string device_name() const { return {}; }
  /** The most device memory (weights + workspace) in use at once so far; 0 for the CPU, whose memory is the
   * host's. */
  virtual std::size_t peak_device_bytes() const { return 0; }
  /**
   * The dtype the model should allocate its KV caches in (Allocate(shape, kv_cache_dtype())): f32, or f16
   * where attention rounds its operands to f16 anyway, so that caches take half the memory and attention over
   * them reads half the bytes.
   */
  virtual DType kv_cache_dtype() const { return DType::kF32; }
  /**
   * The dtype the model may allocate a layer's intermediates in (Allocate(shape, intermediate_dtype())): the
   * normalised input of its GEMMs, q, k, v, the attention output and the MLP's hidden layer — everything but
   * the residual stream, whose sums and LayerNorm statistics stay f32. f32, or f16 where every GEMM and
   * attention would round these to f16 anyway (a backend computing an f16 model on tensor cores), so that
   * they are stored once in 16 bits instead of converted before each operation.
   */
  virtual DType intermediate_dtype() const { return DType::kF32; }
  /**
   * The dtype a decoder step may allocate the inputs of its GEMMs in (its normalised input and MLP hidden
   * layer): intermediate_dtype() unless the backend keeps the decoder's apart (a switch for comparing paths).
   * The decoder's q, k, v and attention output stay f32: its attention kernels read and write f32.
   */
  virtual DType decoder_intermediate_dtype() const { return intermediate_dtype(); }

  // ---- Memory ----

  /**
   * A new zero-filled tensor on this backend's device, for activations, caches and workspaces: f32, or f16
   * for a KV cache or an intermediate on a backend whose kv_cache_dtype() or intermediate_dtype() is f16.
   * @throws Error kOom; kBackend for a dtype the backend does not compute with.
   */
  virtual Tensor Allocate(const std::vector<int64_t>& shape, DType dtype = DType::kF32) = 0;

  /**
   * The form of a host weight (typically a view of a memory-mapped file) this backend computes with. The CPU
   * backend returns kMatrix weights as they are (no copy) and widens narrow kVector weights to f32.
   */
  virtual Tensor PrepareWeight(const Tensor& host_weight, WeightUse use) = 0;
  /** Bytes PrepareWeight copied so far (converted or uploaded weights). */
  virtual std::size_t weight_copy_bytes() const = 0;

  /**
   * Says that the kStreamedMatrix weights `next` are used next, after the work issued so far: a backend that
   * keeps such weights off the device starts copying them now, so that the copy overlaps that work. It may
   * then drop the weights of the call before the last one: a pass calls it once per layer, for the next
   * layer, before issuing the current one. Using a weight that was not prefetched stays correct (slow on a
   * GPU: read over the bus). The default does nothing.
   */
  virtual void PrefetchWeights(const std::vector<const Tensor*>& next) { (void)next; }

  /**
   * Memory that a pass's activations may take at once: the encoder encodes a larger batch in slices that fit
   * (whisper_encoder.cc). 1 GiB by default; less on a GPU asked to keep its memory low.
   */
  virtual int64_t activation_budget_bytes() const { return int64_t{1} << 30; }

  /** Copies dst.numel() floats from host memory into `dst`. */
  virtual void Upload(const float* host, Tensor& dst) = 0;
  /** Copies src.numel() floats of `src` into host memory. */
  virtual void Download(const Tensor& src, float* host) = 0;

  // ---- Operations ----
  // The defaults fail with Error kBackend "[Backend::<Op>] not supported by the <name> backend".

  /**
   * out[M, N] (=, gelu =, +=) x[M, K] · weight[N, K]ᵀ + bias[N]. `bias` may be empty (Whisper's k_proj).
   * `out` must not alias `x`. An f16 `out` (a cross-attention KV cache) takes LinearEpilogue::kStore only,
   * or kGelu from an f16 `x` (an intermediate); kAccumulate adds into f32 only.
   */
  virtual void Linear(
      const Tensor& x, const Tensor& weight, const Tensor& bias, LinearEpilogue epilogue, Tensor& out);

  /**
   * out[M, D] = (x - mean) / sqrt(var + kLayerNormEpsilon) · gain + offset, per row. `out` may alias `x`; it
   * may be f16 (an intermediate), x is f32.
   */
  virtual void LayerNorm(const Tensor& x, const Tensor& gain, const Tensor& offset, Tensor& out);

  /** out[B, C, R] = x[B, R, C]: the last two dimensions swapped ([B, mels, frames] → [B, frames, mels]). */
  virtual void Transpose(const Tensor& x, Tensor& out);

  /**
   * Whisper's front-end convolution followed by exact (erf) GELU, time-major on both sides:
   * out[B, T_out, C_out] = gelu(conv1d(x[B, T_in, C_in], weight[C_out, C_in, 3], bias[C_out])), kernel 3,
   * padding 1, `stride` 1 or 2, T_out = (T_in - 1) / stride + 1.
   */
  virtual void Conv1dGelu(const Tensor& x, const Tensor& weight, const Tensor& bias, int stride, Tensor& out);

  /**
   * x[b, t] += table[first_positions[b] + t] for x [B, T, D] and table [P, D]. `first_positions` (host, B
   * entries) may be nullptr for all zeros (the encoder).
   */
  virtual void AddPositionalEmbedding(const Tensor& table, const int* first_positions, Tensor& x);

  /** out[i] = table[tokens[i]] for out [n, D], table [V, D] (any weight dtype), host tokens in [0, V). */
  virtual void EmbedTokens(const int32_t* tokens, const Tensor& table, Tensor& out);

  /**
   * Multi-head scaled dot-product attention: out = softmax(q · kᵀ / sqrt(head_dim) + mask) · v per sequence
   * and head, for q, out [B, T_q, D] and k, v [B, T_k, D], D = n_heads · head_dim, heads side by side in D.
   * `past_lengths` (host, B entries) nullptr: every query sees all T_k keys (encoder, cross-attention).
   * Otherwise causal over a KV cache: query i of sequence b sees keys [0, past_lengths[b] + i]; keys beyond
   * are never read, so T_k may be the cache's capacity. k and v are f32, or both f16 (KV caches); q and out
   * are f32, or all four f16 (intermediates).
   */
  virtual void Attention(
      const Tensor& q, const Tensor& k, const Tensor& v, int n_heads, const int* past_lengths, Tensor& out);

  /**
   * The cross-attention memory of every decoder layer for `audio` [n_windows, n_audio_ctx, d] (f32, the
   * encoder's output), one entry of `layers` per layer. By default each layer's keys and values, projected
   * once into kv_cache_dtype() tensors of the audio's shape: 2 · n_layers of them, large-v3's 3.7 GiB in f16
   * at 16 windows, more than its weights. A backend may keep the audio alone instead and fold the projections
   * into every step (CudaBackend).
   */
  virtual std::unique_ptr<CrossAttentionMemory> PrepareCrossAttention(
      const Tensor& audio, const std::vector<CrossAttentionProjections>& layers);

  /**
   * out = layer `layer`'s cross-attention of the queries q to the audio in `memory`, for q and out [n_rows,
   * n_new, d] f32 (q projected, heads side by side in d): rows are grouped by window, rows_per_window[w] of
   * them (0: none) attending to window w, every query to all of its n_audio_ctx frames, unmasked:
   * softmax(q · kᵀ / sqrt(head_dim)) · v per head, k and v the window's audio through the layer's
   * projections. The rows of a window (beams, samples) share its memory.
   */
  virtual void CrossAttention(const CrossAttentionMemory& memory,
                              int layer,
                              const Tensor& q,
                              int n_heads,
                              const std::vector<int>& rows_per_window,
                              Tensor& out);

  /**
   * dst[b, dst_first_rows[b] + i] = src[b, src_first_rows[b] + i] for i < n_rows, src [B, T_src, D] and dst
   * [B, T_dst, D]; a nullptr row array means all zeros. Appends new keys/values to a KV cache; picks each
   * sequence's last position for its logits. f32 → f32, and for f16 caches f32 → f16 (rounded to nearest)
   * and f16 → f16.
   */
  virtual void CopyRows(
      const Tensor& src, const int* src_first_rows, int n_rows, const int* dst_first_rows, Tensor& dst);

  /**
   * Whisper's log-mel (audio/log_mel.h's recipe) of B 30-second windows: out[B, n_mels, kWindowFrames] from
   * samples[B, kWindowSamples], each row one window already zero-padded or trimmed, each window with its own
   * max - 8 floor. n_mels is 80 or 128. So that a GPU computes the encoder's input where the encoder runs,
   * instead of the host computing it and uploading 4 · n_mels · 3000 bytes a window. The default computes on
   * the host with ComputeLogMelBatch on n_threads() threads, bit-identical to it: for the CPU backend, whose
   * tensors are host memory (a device tensor fails with kBackend).
   */
  virtual void LogMel(const Tensor& samples, int n_mels, Tensor& out);

  /**
   * host_out[r] = the column of row r's largest value (the first of equal ones, as std::max_element) for x
   * [R, N]: greedy decoding's choice where the logits are, so that a GPU sends R ints to the host instead of
   * R · N floats. The default downloads x and searches on the host (right for the CPU).
   */
  virtual void ArgMaxRows(const Tensor& x, int32_t* host_out);

  /** Whether ChooseTokens runs here for `k` tokens a row (a GPU: the logits stay where they are); false by
   * default. */
  virtual bool ChoosesTokens(int k) const {
    (void)k;
    return false;
  }
  /**
   * A decoding step's choice where the logits are: for each row r of logits [R, n_vocab], applies `rules`
   * given rows[r] (as LogitRules::Apply does on the host), then writes the row's k likeliest tokens, best
   * first and the lower id first among equals, to tokens[r·k …] and their log-softmax over the ruled row to
   * logprobs[r·k …] — greedy decoding takes k = 1, beam search n_beams + 1: R·k ints and floats to the host
   * instead of R · n_vocab floats. tokens and logprobs are host memory. The default fails (kBackend): ask
   * ChoosesTokens first.
   */
  virtual void ChooseTokens(const Tensor& logits,
                            const LogitRuleValues& rules,
                            const std::vector<RowHistory>& rows,
                            int k,
                            int32_t* tokens,
                            float* logprobs);

  /**
   * Runs `step`, a decoder step: operations that the caller repeats, step after step, on the same tensors
   * with new host ints (tokens, positions, lengths). A backend may record them once and replay them — the
   * CUDA backend as one CUDA graph instead of ~20 launches a layer. So `step` makes only this backend's
   * operations on device tensors (no Allocate, Upload, Download or ArgMaxRows: those run after it returns),
   * in an order and on tensors that depend only on the shapes it works on, changes no host state, and may be
   * called more than once. Its results are ready for the operations after it, as always. This one calls it.
   */
  virtual void RunRepeatedStep(const std::function<void()>& step) { step(); }

  /**
   * Host memory for `n` floats that Download fills fastest, for a buffer the caller downloads into step after
   * step (a decoding loop's logits): page-locked on a GPU (a copy straight from the device, several times
   * faster than into pageable memory), ordinary memory here. Freed when the last owner goes.
   */
  virtual std::shared_ptr<float> AllocateHostFloats(std::size_t n);

 protected:
  /** Throws Error kBackend for an operation this backend lacks. */
  [[noreturn]] void FailUnsupported(const char* operation) const;
};

}  // namespace verbatim
