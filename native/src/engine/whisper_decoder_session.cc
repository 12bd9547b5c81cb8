#include "engine/whisper_decoder_session.h"

#include "core/fail.h"

namespace verbatim {
namespace {

/** Marks a session busy for one call; a second, concurrent call fails instead of corrupting the caches. */
class BusyGuard {
 public:
  BusyGuard(std::atomic<bool>& busy, const char* operation) : busy_(busy) {
    if (busy_.exchange(true)) {
      Fail(ErrorCode::kInvalidArg, operation, "called while another call on this session is running");
    }
  }
  ~BusyGuard() { busy_ = false; }
  BusyGuard(const BusyGuard&) = delete;
  BusyGuard& operator=(const BusyGuard&) = delete;

 private:
  std::atomic<bool>& busy_;
};

}  // namespace

WhisperDecoderSession::WhisperDecoderSession(const WhisperEncoderOutput& audio)
    : runtime_(audio.runtime()), decoder_(*runtime_->backend, runtime_->weights, audio.frames()) {}

int WhisperDecoderSession::length(int index) const {
  CheckIndex("DecoderSession::length", index);
  return decoder_.length(index);
}

void WhisperDecoderSession::CheckIndex(const char* operation, int index) const {
  if (index < 0 || index >= decoder_.n_batch()) {
    Fail(ErrorCode::kInvalidArg, operation, "index out of range [0, ", decoder_.n_batch(), "): ", index);
  }
}

void WhisperDecoderSession::CheckAppend(const int32_t* tokens, int n_new, const void* out) const {
  constexpr const char* kOperation = "DecoderSession::Append";
  const ModelDims& dims = runtime_->weights.dims;
  if (n_new < 1)
    Fail(ErrorCode::kInvalidArg, kOperation, "n_new must be >= 1: ", n_new);
  if (tokens == nullptr || out == nullptr) {
    Fail(ErrorCode::kInvalidArg, kOperation, "tokens and the output must not be null");
  }
  for (int sequence = 0; sequence < decoder_.n_batch(); ++sequence) {
    if (decoder_.length(sequence) + n_new > dims.n_text_ctx) {
      Fail(ErrorCode::kInvalidArg, kOperation, "sequence ", sequence, " would hold ",
           decoder_.length(sequence) + n_new, " tokens, more than n_text_ctx ", dims.n_text_ctx);
    }
    for (int i = 0; i < n_new; ++i) {
      const int32_t token = tokens[sequence * n_new + i];
      if (token < 0 || token >= dims.n_vocab) {
        Fail(ErrorCode::kInvalidArg, kOperation, "token out of range [0, ", dims.n_vocab, "): ", token,
             " (sequence ", sequence, ", position ", i, ")");
      }
    }
  }
}

void WhisperDecoderSession::Append(const int32_t* tokens, int n_new, float* logits_out, Logits which) {
  BusyGuard guard(busy_, "DecoderSession::Append");
  CheckAppend(tokens, n_new, logits_out);
  const Tensor& logits = decoder_.Append(tokens, n_new, which == Logits::kAll);
  runtime_->backend->Download(logits, logits_out);
}

void WhisperDecoderSession::AppendArgMax(const int32_t* tokens, int n_new, int32_t* next_out) {
  BusyGuard guard(busy_, "DecoderSession::AppendArgMax");
  CheckAppend(tokens, n_new, next_out);
  const Tensor& logits = decoder_.Append(tokens, n_new, false);  // [n_batch, 1, n_vocab]
  runtime_->backend->ArgMaxRows(logits, next_out);
}

void WhisperDecoderSession::Truncate(int index, int length) {
  BusyGuard guard(busy_, "DecoderSession::Truncate");
  CheckIndex("DecoderSession::Truncate", index);
  if (length < 0 || length > decoder_.length(index)) {
    Fail(ErrorCode::kInvalidArg, "DecoderSession::Truncate", "length must be in [0, ", decoder_.length(index),
         "]: ", length);
  }
  decoder_.Truncate(index, length);
}

}  // namespace verbatim
