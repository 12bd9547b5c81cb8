// verbatim's native Whisper engine: the C++ API that packages/mlx-engine binds to Node. No Node-API here.
//
// Conventions (shared/docs/architecture.md): opaque objects behind std::unique_ptr, *Params structs with defaults,
// counts named n_*, units in names, every failure an verbatim::Error with a stable code and a message of the form
// "[operation] what was wrong: value".
//
// Thread-safety: a Model may be shared by several threads for read-only calls (Info, LogMel, Encode,
// NewDecoderSession) as long as none of them runs concurrently with destruction. A
// DecoderSession is used by one thread at a time. Each call uses the model's thread pool; calls from several
// threads serialise on it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace verbatim {

/** Stable error codes; the binding maps them to the `code` of JavaScript errors (E_INVALID_ARG, …). */
enum class ErrorCode {
  kInvalidArg,  // E_INVALID_ARG: a caller passed a value the API cannot accept
  kModelLoad,   // E_MODEL_LOAD: missing files, wrong format, missing or mis-shaped tensors
  kOom,         // E_OOM: an allocation failed
  kDisposed,    // E_DISPOSED: use after dispose
  kBackend,     // E_BACKEND: the compute backend failed or lacks an operation
  kInternal,    // E_INTERNAL: a bug
};

/** The JavaScript spelling of a code: "E_INVALID_ARG", "E_MODEL_LOAD", … */
const char* ErrorCodeName(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

/** Element types of stored weights and of computation. */
enum class DType { kF32, kF16, kBF16 };
const char* DTypeName(DType dtype);

/** The file layout a model was read from. */
enum class ModelFormat { kHuggingFaceSafetensors, kMlxSafetensors, kMlxNpz, kGgml };
const char* ModelFormatName(ModelFormat format);

/** A Whisper model's dimensions (the names of OpenAI's ModelDimensions). */
struct ModelDims {
  int n_mels = 80;
  int n_audio_ctx = 1500;
  int n_audio_state = 384;
  int n_audio_head = 6;
  int n_audio_layer = 4;
  int n_vocab = 51865;
  int n_text_ctx = 448;
  int n_text_state = 384;
  int n_text_head = 6;
  int n_text_layer = 4;
};

struct ModelInfo {
  ModelDims dims;
  ModelFormat format = ModelFormat::kHuggingFaceSafetensors;
  /** Type of the stored weights (the dominant one when mixed). */
  DType weight_dtype = DType::kF32;
  /** Bytes of tensor data in the model files. */
  std::size_t weight_bytes = 0;
  /** Bytes the engine holds for weights beyond what is memory-mapped (converted or dequantized copies). */
  std::size_t weight_copy_bytes = 0;
  /** Threads the model's pool uses. */
  int n_threads = 1;
  /** "cpu" (later "cuda"). */
  std::string backend = "cpu";
};

struct ModelLoadParams {
  /** Worker threads for compute; 0 = one per hardware thread. */
  int n_threads = 0;
};

/** Encoder output for a batch of windows: [n_batch, n_audio_ctx, n_audio_state] float32, owned by the engine. */
class EncoderOutput {
 public:
  virtual ~EncoderOutput() = default;
  virtual int n_batch() const = 0;
  /** Copies the whole output (n_batch * n_audio_ctx * n_audio_state floats) into `out`. */
  virtual void CopyTo(float* out) const = 0;
};

/**
 * The decoder state of a batch of sequences attending to one EncoderOutput: the self-attention KV cache per
 * sequence (each with its own length) and the cross-attention keys/values, computed once.
 */
class DecoderSession {
 public:
  virtual ~DecoderSession() = default;
  virtual int n_batch() const = 0;
  /** Tokens already in sequence `index`'s cache. */
  virtual int length(int index) const = 0;
  /** Which logits Append returns. */
  enum class Logits { kLast, kAll };

  /**
   * Appends n_new tokens to every sequence and computes logits.
   * @param tokens n_batch rows of n_new tokens each, row-major.
   * @param logits_out kLast: n_batch * n_vocab floats (each sequence's last new token);
   *   kAll: n_batch * n_new * n_vocab floats (every new position: teacher forcing).
   * @throws Error kInvalidArg when a sequence would exceed n_text_ctx or a token is out of range.
   */
  virtual void Append(const int32_t* tokens, int n_new, float* logits_out, Logits which = Logits::kLast) = 0;
  /** Forgets everything after the first `length` tokens of sequence `index` (beam search, fallback). */
  virtual void Truncate(int index, int length) = 0;
};

class Model {
 public:
  virtual ~Model() = default;

  /**
   * Loads a model from a directory (Hugging Face or MLX community layout) or a file (whisper.cpp ggml .bin).
   * Weights are memory-mapped; nothing is copied when the stored dtype is the compute dtype.
   * @throws Error kModelLoad naming the file / tensor and what is wrong (expected vs actual shape).
   */
  static std::unique_ptr<Model> Load(const std::string& path, const ModelLoadParams& params = {});

  virtual const ModelInfo& info() const = 0;

  /**
   * Whisper's log-mel spectrogram of one 30 s window (audio padded with zeros or trimmed to 480000 samples), as
   * WhisperFeatureExtractor computes it. @param out n_mels * 3000 floats, mel-major.
   */
  virtual void LogMel(const float* samples, std::size_t n_samples, float* out) const = 0;

  /** Runs the encoder on n_batch windows of log-mel, [n_batch, n_mels, 3000] row-major. */
  virtual std::unique_ptr<EncoderOutput> Encode(const float* mel, int n_batch) const = 0;

  /** A decoder session for every window of an encoder output (one sequence each). */
  virtual std::unique_ptr<DecoderSession> NewDecoderSession(const EncoderOutput& audio) const = 0;
};

}  // namespace verbatim
