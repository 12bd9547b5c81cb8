// CudaBackend::ChooseTokens: a decoding step's choice with Whisper's logit rules where the logits are
// (token_choice.h), so that a step sends each row's k likeliest tokens and their log-probabilities to the
// host instead of its 51,866 logits, and the host no longer runs the rules over them row by row.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "backend/backend_checks.h"
#include "backend/cuda/cuda_backend.h"
#include "backend/cuda/cuda_backend_support.h"
#include "backend/cuda/cuda_profile.h"
#include "backend/cuda/token_choice.h"
#include "core/fail.h"

namespace verbatim {
namespace {

constexpr const char* kOperation = "CudaBackend::ChooseTokens";

/** A rule's token must be a column of the logits; -1 only where the rule allows "none". */
void CheckToken(int32_t id, int64_t n_vocab, const char* what) {
  if (id < 0 || id >= n_vocab)
    Fail(ErrorCode::kInvalidArg, kOperation, what, " ", id, " is not a token of a ", n_vocab,
         "-token vocabulary");
}

cuda_kernels::TokenRuleValues ValuesOf(const LogitRuleValues& rules, int64_t n_vocab) {
  if (rules.suppress_blank)
    CheckToken(rules.blank, n_vocab, "the blank");
  if (rules.suppress_blank || rules.timestamps)
    CheckToken(rules.end_of_text, n_vocab, "<|endoftext|>");
  if (rules.timestamps) {
    CheckToken(rules.no_timestamps, n_vocab, "<|notimestamps|>");
    CheckToken(rules.timestamp_begin, n_vocab, "the first timestamp");
  }
  for (const int32_t id : rules.suppressed)
    CheckToken(id, n_vocab, "a suppressed token");
  cuda_kernels::TokenRuleValues values;
  values.suppress_blank = rules.suppress_blank;
  values.blank = rules.blank;
  values.end_of_text = rules.end_of_text;
  values.timestamps = rules.timestamps;
  values.no_timestamps = rules.no_timestamps;
  values.timestamp_begin = rules.timestamp_begin;
  values.max_initial_timestamp_index = rules.max_initial_timestamp_index;
  return values;
}

}  // namespace

bool CudaBackend::ChoosesTokens(int k) const {
  return !choose_on_host_ && k >= 1 && k <= cuda_kernels::kMaxChosenTokens;
}

void CudaBackend::ChooseTokens(const Tensor& logits,
                               const LogitRuleValues& rules,
                               const std::vector<RowHistory>& rows,
                               int k,
                               int32_t* tokens,
                               float* logprobs) {
  CheckF32(logits, Device::kCuda, kOperation, "the logits");
  const int64_t n_vocab = logits.dim(logits.rank() - 1), n_rows = n_vocab == 0 ? 0 : logits.numel() / n_vocab;
  if (static_cast<int64_t>(rows.size()) != n_rows) {
    Fail(ErrorCode::kInternal, kOperation, rows.size(), " row histories for ", n_rows, " rows of logits ",
         logits.ShapeString());
  }
  if (k < 1 || k > cuda_kernels::kMaxChosenTokens || k > n_vocab) {
    Fail(ErrorCode::kInvalidArg, kOperation, "k = ", k, " tokens a row: between 1 and ",
         std::min<int64_t>(cuda_kernels::kMaxChosenTokens, n_vocab));
  }
  const cuda_kernels::TokenRuleValues values = ValuesOf(rules, n_vocab);
  if (n_rows == 0)
    return;
  std::vector<int> histories(static_cast<std::size_t>(4 * n_rows));
  for (int64_t r = 0; r < n_rows; ++r) {
    const RowHistory& row = rows[r];
    histories[4 * r] = row.n_sampled, histories[4 * r + 1] = row.last;
    histories[4 * r + 2] = row.penultimate, histories[4 * r + 3] = row.last_timestamp;
  }
  const std::lock_guard<std::recursive_mutex> lock(mutex_);
  NotInSteps();
  cudaSetDevice(state_->device);
  const ProfileScope profile(profile_.get(), [&] {
    return "ChooseTokens " + std::to_string(n_rows) + "×" + std::to_string(n_vocab);
  });
  std::shared_ptr<void> keep_histories, keep_suppressed;
  const cuda_kernels::IntArray history_array =
      Ints(histories.data(), static_cast<int64_t>(histories.size()), keep_histories, kOperation);
  const auto n_suppressed = static_cast<int64_t>(rules.suppressed.size());
  const cuda_kernels::IntArray suppressed_array =
      Ints(rules.suppressed.data(), n_suppressed, keep_suppressed, kOperation);
  // Tokens then log-probabilities, one copy back.
  const int64_t n_chosen = n_rows * k;
  auto* chosen = static_cast<int32_t*>(
      Reused(Reuse::kTokenChoice, static_cast<std::size_t>(n_chosen) * 2 * sizeof(int32_t), kOperation));
  auto* chosen_logprobs = reinterpret_cast<float*>(chosen + n_chosen);
  cuda_kernels::ChooseRowTokens(logits.data<float>(), n_rows, n_vocab, values, suppressed_array, n_suppressed,
                                history_array, k, chosen, chosen_logprobs, state_->stream);
  CheckLaunch(kOperation);
  std::vector<int32_t> host(static_cast<std::size_t>(2 * n_chosen));
  CheckCuda(cudaMemcpyAsync(host.data(), chosen, host.size() * sizeof(int32_t), cudaMemcpyDeviceToHost,
                            state_->stream),
            kOperation, "copy");
  CheckCuda(cudaStreamSynchronize(state_->stream), kOperation, "waiting for the GPU");
  std::memcpy(tokens, host.data(), static_cast<std::size_t>(n_chosen) * sizeof(int32_t));
  std::memcpy(logprobs, host.data() + n_chosen, static_cast<std::size_t>(n_chosen) * sizeof(float));
}

}  // namespace verbatim
