// verbatim's native Whisper engine: the C++ API that packages/mlx-engine binds to Node. No Node-API here.
//
// Conventions (shared/docs/architecture.md): opaque objects behind std::unique_ptr, *Params structs with
// defaults, counts named n_*, units in names, every failure an verbatim::Error with a stable code and a
// message of the form
// "[operation] what was wrong: value".
//
// Thread-safety: a Model may be shared by several threads for read-only calls (Info, LogMel, Encode,
// EncodeSamples, NewDecoderSession, DetectLanguage, Decode, SetTokenBytes) as long as none of them runs
// concurrently with destruction. A DecoderSession is used by one thread at a time. Each call uses the model's
// thread pool; calls from several threads serialise on it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
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

/**
 * The special tokens of the model's vocabulary, which its size decides: 51864 (English-only), 51865
 * (multilingual, 99 languages), 51866 (large-v3 and later, 100 languages). Timestamps <|0.00|> … <|30.00|>
 * are the last 1501 ids, from timestamp_begin.
 */
struct SpecialTokens {
  bool multilingual = true;
  int32_t end_of_text = 50257;          // <|endoftext|>
  int32_t start_of_transcript = 50258;  // <|startoftranscript|>
  int32_t first_language = 50259;  // <|en|>; languages are [first_language, first_language + n_languages)
  int n_languages = 99;            // 0 for English-only models
  int32_t translate = 50358;
  int32_t transcribe = 50359;
  int32_t start_of_lm = 50360;
  int32_t start_of_prev = 50361;
  int32_t no_speech = 50362;  // <|nocaptions|> (<|nospeech|> in large-v3)
  int32_t no_timestamps = 50363;
  int32_t timestamp_begin = 50364;  // <|0.00|>
  int32_t blank = 220;              // " " in both Whisper vocabularies (suppress_blank)
};

struct ModelInfo {
  ModelDims dims;
  /** Unset when n_vocab is none of Whisper's vocabularies (then Decode and DetectLanguage refuse). */
  std::optional<SpecialTokens> special_tokens;
  ModelFormat format = ModelFormat::kHuggingFaceSafetensors;
  /** Type of the stored weights (the dominant one when mixed). */
  DType weight_dtype = DType::kF32;
  /** Bytes of tensor data in the model files. */
  std::size_t weight_bytes = 0;
  /** Bytes the engine holds for weights beyond what is memory-mapped (converted or dequantized copies). */
  std::size_t weight_copy_bytes = 0;
  /** Threads the model's pool uses. */
  int n_threads = 1;
  /** "cpu" or "cuda". */
  std::string backend = "cpu";
  /** Why the backend differs from the device asked for ("auto" fell back to the CPU); empty otherwise. */
  std::string backend_note;
  /** The GPU's name on the CUDA backend ("NVIDIA H100 80GB HBM3"); empty on the CPU. */
  std::string device_name;
};

struct ModelLoadParams {
  /** Worker threads for compute; 0 = one per hardware thread. */
  int n_threads = 0;
  /**
   * "cpu", "cuda" / "cuda:N" (fails when that GPU cannot be used), or "auto" (CUDA when a usable GPU is
   * present, else the CPU; ModelInfo::backend_note says why).
   */
  std::string device = "cpu";
  /**
   * On a GPU: "fast" (every weight and the cross-attention's keys and values on the device) or "lean" (the
   * encoder's weights streamed from host memory a layer at a time, cross-attention over the audio itself: less
   * than half the device memory, decoder steps ~1.3× slower). Ignored on the CPU.
   */
  std::string gpu_memory = "fast";
};

/** What a window's decoding starts from: token ids the caller's tokenizer made. */
struct DecodeWindow {
  /** The language token (<|de|>); -1: detect it (multilingual models) or none (English-only models). */
  int32_t language_token = -1;
  /**
   * Previous text or an initial prompt, after <|startofprev|>; only the last n_text_ctx / 2 - 1 tokens are
   * kept (OpenAI's transcribe conditions on previous text this way).
   */
  std::vector<int32_t> previous_tokens;
  /**
   * Words to favour, as faster-whisper's `hotwords`: after <|startofprev|>, before previous_tokens; only the
   * first n_text_ctx / 2 - 1 are kept, and they are ignored when prefix_tokens are given.
   */
  std::vector<int32_t> hotword_tokens;
  /** The start of the transcript to continue from, after the start sequence (OpenAI's `prefix`). */
  std::vector<int32_t> prefix_tokens;
};

/**
 * How Model::Decode decodes; the defaults are OpenAI transcribe()'s. Suppressed always, as OpenAI does:
 * <|startoftranscript|>, <|translate|>, <|transcribe|>, <|startoflm|>, <|startofprev|>, <|nocaptions|>.
 */
struct DecodeParams {
  enum class Task { kTranscribe, kTranslate };
  /** Multilingual models only. */
  Task task = Task::kTranscribe;
  /** false: <|notimestamps|> ends the start sequence and no timestamp rule applies (timestamp tokens are
   * not suppressed either, as in OpenAI and transformers). */
  bool timestamps = true;
  /** One per window of the encoder output, or empty: every window with the defaults of DecodeWindow. */
  std::vector<DecodeWindow> windows;
  /** New tokens per window at most (OpenAI's sample_len); 0 = n_text_ctx / 2. A sequence also stops at
   * n_text_ctx tokens in all. */
  int n_max_new_tokens = 0;
  /** Tried in order: a window is decoded again at the next one while its result fails the thresholds. */
  std::vector<float> temperatures = {0.0f, 0.2f, 0.4f, 0.6f, 0.8f, 1.0f};
  /** Beam search at temperature 0 when >= 1 (beams per window); 0 = greedy. */
  int n_beams = 0;
  /** Beam search stops once round(n_beams * patience) sequences of a window have finished. */
  float patience = 1.0f;
  /** Ranking of finished sequences: unset = sum logprob / length; alpha: sum logprob / ((5 + length) /
   * 6)^alpha. */
  std::optional<float> length_penalty;
  /** Samples per window at temperatures > 0; the best by the ranking wins. */
  int n_best_of = 5;
  /** Seeds sampling: the same seed, params and audio give the same tokens, whatever the batch. */
  uint64_t seed = 0;
  /** At the first new position, suppress the blank " " and <|endoftext|>. */
  bool suppress_blank = true;
  /** More token ids never to emit (OpenAI's "-1" is the non-speech set: the caller's tokenizer lists it). */
  std::vector<int32_t> suppress_tokens;
  /** The first timestamp is at most this (1.0 s: <|1.00|>); unset: no limit. */
  std::optional<float> max_initial_timestamp_s = 1.0f;
  /** Decode again when gzip compresses the text better than this (too repetitive); unset: never. */
  std::optional<float> compression_ratio_threshold = 2.4f;
  /** Decode again when the average logprob is below this; unset: never. */
  std::optional<float> logprob_threshold = -1.0f;
  /** A window whose <|nocaptions|> probability is above this and whose logprob is low is silent. */
  std::optional<float> no_speech_threshold = 0.6f;
};

/** One window's decoding. */
struct DecodeResult {
  /** The new tokens, without the start sequence and <|endoftext|>. */
  std::vector<int32_t> tokens;
  /** Sum of the tokens' log-probabilities (<|endoftext|>'s included when it ended the sequence). */
  double sum_logprob = 0.0;
  /** sum_logprob / (tokens + 1), as OpenAI averages. */
  double avg_logprob = 0.0;
  /** Probability of <|nocaptions|> at the <|startoftranscript|> position. */
  float no_speech_prob = 0.0f;
  /** len(text) / len(zlib(text)) of the UTF-8 text (timestamps left out, stripped); NaN without token bytes.
   */
  float compression_ratio = 0.0f;
  /** The temperature of the decoding kept. */
  float temperature = 0.0f;
  /** The language token used (given or detected); -1 for English-only models. */
  int32_t language_token = -1;
  /** When detected: the probability of each language token (n_languages values). */
  std::vector<float> language_probs;
  /** no_speech_prob > no_speech_threshold and avg_logprob not above logprob_threshold (OpenAI skips the
   * window). */
  bool silent = false;
};

/** Encoder output for a batch of windows: [n_batch, n_audio_ctx, n_audio_state] float32, owned by the engine.
 */
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
  /**
   * Appends like Append(kLast) but returns, instead of the logits, each sequence's most likely next token:
   * the argmax of its last position's logits (greedy without logit rules, as in a fixed-length benchmark).
   * The choice is made where the logits are, so a GPU sends n_batch ints to the host, not the logits.
   * @param next_out n_batch tokens.
   * @throws Error kInvalidArg as Append.
   */
  virtual void AppendArgMax(const int32_t* tokens, int n_new, int32_t* next_out) = 0;
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
   * Whisper's log-mel spectrogram of one 30 s window (audio padded with zeros or trimmed to 480000 samples),
   * as WhisperFeatureExtractor computes it. @param out n_mels * 3000 floats, mel-major.
   */
  virtual void LogMel(const float* samples, std::size_t n_samples, float* out) const = 0;

  /**
   * LogMel of n_batch windows at once, bit-identical to LogMel on each, on the threads the model was loaded
   * with (ModelLoadParams::n_threads; on a GPU backend they are the host's threads, which the GPU does not
   * use): the encoder's input for a batch in one call. @param samples n_batch pointers (null where
   * n_samples[i] is 0).
   * @param out n_batch * n_mels * 3000 floats, [n_batch][n_mels][3000].
   * @throws Error kInvalidArg for n_batch < 1 or a null pointer.
   */
  virtual void LogMelBatch(const float* const* samples,
                           const std::size_t* n_samples,
                           int n_batch,
                           float* out) const = 0;

  /** Runs the encoder on n_batch windows of log-mel, [n_batch, n_mels, 3000] row-major. */
  virtual std::unique_ptr<EncoderOutput> Encode(const float* mel, int n_batch) const = 0;

  /**
   * Encode(LogMelBatch(samples)) in one call, the log-mel computed where the encoder runs: on a GPU, the
   * windows' samples are uploaded (1.9 MB a window) and their log-mel never crosses to the host. On the CPU
   * the result is bit-identical to LogMelBatch then Encode; on a GPU the log-mel matches the host's to 1e-4.
   * @param samples n_batch pointers (null where n_samples[i] is 0); each window zero-padded or trimmed to
   *   480000 samples.
   * @throws Error kInvalidArg "[Model::EncodeSamples] …" for n_batch < 1 or a null pointer; kOom, kBackend
   *   from the backend.
   */
  virtual std::unique_ptr<EncoderOutput> EncodeSamples(const float* const* samples,
                                                       const std::size_t* n_samples,
                                                       int n_batch) const = 0;

  /** A decoder session for every window of an encoder output (one sequence each). */
  virtual std::unique_ptr<DecoderSession> NewDecoderSession(const EncoderOutput& audio) const = 0;

  /**
   * The probability of each language token after <|startoftranscript|> (softmax over the language tokens),
   * for every window: [n_batch][n_languages].
   * @throws Error kInvalidArg for an English-only model or another model's encoder output.
   */
  virtual std::vector<std::vector<float>> DetectLanguage(const EncoderOutput& audio) const = 0;

  /**
   * Decodes every window of `audio` natively, the whole batch at once (beams and samples are rows of one
   * decoder batch), with temperature fallback per window.
   * @return one result per window.
   * @throws Error kInvalidArg naming the offending parameter; kOom, kBackend from the backend.
   */
  virtual std::vector<DecodeResult> Decode(const EncoderOutput& audio, const DecodeParams& params) const = 0;

  /** The most GPU memory the model has held at once (weights and workspace), bytes; 0 on the CPU. */
  virtual std::size_t PeakDeviceBytes() const = 0;

  /**
   * The raw bytes of every token id (special tokens as their text; timestamps may be empty), for the
   * compression ratio: token i is bytes[offsets[i], offsets[i + 1]).
   * @param offsets n_vocab + 1 non-decreasing offsets, from 0 to n_bytes.
   * @throws Error kInvalidArg for offsets that do not fit.
   */
  virtual void SetTokenBytes(const uint8_t* bytes,
                             std::size_t n_bytes,
                             const uint32_t* offsets,
                             std::size_t n_offsets) = 0;
};

}  // namespace verbatim
