// ChooseRowTokens (token_choice.h). The rules, as model/decoding's LogitRules applies them on the host,
// become a predicate on a column: a bit in a shared-memory mask for the suppressed ids (and the single tokens
// the rules drop), and up to four column ranges for the timestamp rules, which depend on the row's history
// only. One pass over the row then keeps, for text columns (below the first timestamp) and timestamp columns
// apart, the largest logit, its first column and Σ exp(logit − largest), merged across the block. Each
// further token (beam search) is one more pass for the best column not yet chosen, in the part the
// timestamp rule left.

#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>

#include "backend/cuda/device_elements.cuh"
#include "backend/cuda/token_choice.h"

namespace verbatim::cuda_kernels {
namespace {

constexpr int kThreads = 512;
constexpr int kWarp = 32;
constexpr unsigned kAllLanes = 0xffffffffu;

/** The best of a part of a row: its largest logit, that logit's first column, Σ exp(logit − largest). */
struct Best {
  float value = -INFINITY;
  int32_t column = 0;
  float sum = 0.0f;

  /** Takes logit `x` of `column` (columns arrive in increasing order within a thread). */
  __device__ void Add(float x, int32_t at) {
    if (x > value) {
      sum = sum * expf(value - x) + 1.0f;  // exp(−∞) = 0 for the first
      value = x, column = at;
    } else {
      sum += expf(x - value);
    }
  }
  /** log Σ exp(logit) over the part: −∞ when empty. */
  __device__ float LogSumExp() const { return value == -INFINITY ? -INFINITY : value + logf(sum); }
};

/** Both parts merged: the larger value, the lower column among equal ones, sums on the larger's scale. */
__device__ Best Merge(const Best& a, const Best& b) {
  if (b.value == -INFINITY)
    return a;
  if (a.value == -INFINITY)
    return b;
  Best merged;
  const bool b_wins = b.value > a.value || (b.value == a.value && b.column < a.column);
  merged.value = b_wins ? b.value : a.value;
  merged.column = b_wins ? b.column : a.column;
  merged.sum = a.sum * expf(a.value - merged.value) + b.sum * expf(b.value - merged.value);
  return merged;
}

__device__ Best WarpMerge(Best best) {
  for (int offset = kWarp / 2; offset > 0; offset /= 2) {
    Best other;
    other.value = __shfl_xor_sync(kAllLanes, best.value, offset);
    other.column = __shfl_xor_sync(kAllLanes, best.column, offset);
    other.sum = __shfl_xor_sync(kAllLanes, best.sum, offset);
    best = Merge(best, other);
  }
  return best;
}

/** The block's merge, valid in thread 0 (warps' results through `scratch`, one per warp). */
__device__ Best BlockMerge(Best best, Best* scratch) {
  const int warp = threadIdx.x / kWarp, lane = threadIdx.x % kWarp;
  best = WarpMerge(best);
  if (lane == 0)
    scratch[warp] = best;
  __syncthreads();
  if (warp == 0) {
    best = lane < kThreads / kWarp ? scratch[lane] : Best{};
    best = WarpMerge(best);
  }
  __syncthreads();  // scratch is free again
  return best;
}

/** Column ranges [first, end) that the timestamp rules suppress for one row's history. */
struct Ranges {
  int32_t first[4];
  int32_t end[4];
  int count = 0;
  __device__ void Add(int32_t a, int32_t b) {
    if (a < b)
      first[count] = a, end[count] = b, ++count;
  }
  __device__ bool Contain(int32_t column) const {
    bool inside = false;
#pragma unroll
    for (int i = 0; i < 4; ++i)
      inside |= i < count && column >= first[i] && column < end[i];
    return inside;
  }
};

/** TimestampRules::Apply's ranges (timestamp_rules.cc), in its order. */
__device__ Ranges TimestampRanges(const TokenRuleValues& rules,
                                  int32_t n_vocab,
                                  int32_t n_sampled,
                                  int32_t last,
                                  int32_t penultimate,
                                  int32_t last_timestamp) {
  Ranges ranges;
  const int32_t begin = rules.timestamp_begin;
  const bool last_was_timestamp = n_sampled >= 1 && last >= begin;
  const bool penultimate_was_timestamp = n_sampled < 2 || penultimate >= begin;
  if (last_was_timestamp) {
    if (penultimate_was_timestamp)
      ranges.Add(begin, n_vocab);  // a pair just closed: text (or the end)
    else
      ranges.Add(0, rules.end_of_text);  // a lone timestamp: another one, or the end
  }
  if (last_timestamp >= 0) {
    const int32_t lowest_allowed =
        last_was_timestamp && !penultimate_was_timestamp ? last_timestamp : last_timestamp + 1;
    ranges.Add(begin, min(lowest_allowed, n_vocab));
  }
  if (n_sampled == 0) {
    ranges.Add(0, begin);
    if (rules.max_initial_timestamp_index >= 0)
      ranges.Add(min(begin + rules.max_initial_timestamp_index + 1, n_vocab), n_vocab);
  }
  return ranges;
}

__global__ void __launch_bounds__(kThreads) ChooseTokensKernel(const float* __restrict__ logits,
                                                               int32_t n_vocab,
                                                               TokenRuleValues rules,
                                                               IntArray suppressed,
                                                               int32_t n_suppressed,
                                                               IntArray histories,
                                                               int k,
                                                               int32_t* __restrict__ tokens,
                                                               float* __restrict__ logprobs) {
  extern __shared__ uint32_t mask[];  // a bit a column: suppressed by id
  __shared__ Best scratch[kThreads / kWarp];
  __shared__ int32_t chosen[kMaxChosenTokens];
  __shared__ float log_normaliser;
  __shared__ bool stamps_only;
  const int64_t row = blockIdx.x;
  const int32_t n_sampled = At(histories, 4 * row), last = At(histories, 4 * row + 1);
  const int32_t penultimate = At(histories, 4 * row + 2), last_timestamp = At(histories, 4 * row + 3);
  const int32_t n_words = (n_vocab + 31) / 32;
  for (int32_t w = threadIdx.x; w < n_words; w += kThreads)
    mask[w] = 0u;
  __syncthreads();
  auto drop = [&](int32_t id) {
    if (id >= 0 && id < n_vocab)
      atomicOr(&mask[id / 32], 1u << (id % 32));
  };
  for (int32_t i = threadIdx.x; i < n_suppressed; i += kThreads)
    drop(At(suppressed, i));
  if (threadIdx.x == 0) {
    if (rules.suppress_blank && n_sampled == 0)
      drop(rules.blank), drop(rules.end_of_text);
    if (rules.timestamps)
      drop(rules.no_timestamps);
  }
  __syncthreads();
  const Ranges ranges = rules.timestamps
                            ? TimestampRanges(rules, n_vocab, n_sampled, last, penultimate, last_timestamp)
                            : Ranges{};
  // Text below the first timestamp, timestamps from it; without timestamp rules every column is "text".
  const int32_t split = rules.timestamps ? rules.timestamp_begin : n_vocab;
  const float* row_logits = logits + row * n_vocab;
  Best text, stamps;
  for (int32_t column = threadIdx.x; column < n_vocab; column += kThreads) {
    if ((mask[column / 32] >> (column % 32)) & 1u || ranges.Contain(column))
      continue;
    const float x = row_logits[column];
    if (x == -INFINITY)
      continue;
    if (column < split)
      text.Add(x, column);
    else
      stamps.Add(x, column);
  }
  text = BlockMerge(text, scratch);
  stamps = BlockMerge(stamps, scratch);
  if (threadIdx.x == 0) {
    // The timestamp rule's last part: when log Σ exp over the timestamps beats the largest text logit, text
    // is suppressed, and the choice and its normaliser are the timestamps' alone.
    const float stamps_log_sum = stamps.LogSumExp();
    stamps_only = rules.timestamps && stamps.value != -INFINITY && stamps_log_sum > text.value;
    const Best all = stamps_only ? stamps : Merge(text, stamps);
    log_normaliser = all.LogSumExp();
    chosen[0] = all.column;
    tokens[row * k] = all.column;
    logprobs[row * k] = all.value == -INFINITY ? -INFINITY : all.value - log_normaliser;
  }
  __syncthreads();
  // Beam search's further tokens: the best column not chosen yet, pass by pass (k ≤ 32, rows in L2).
  auto is_chosen = [&](int32_t column, int count) {
    bool taken = false;
    for (int j = 0; j < count; ++j)
      taken |= chosen[j] == column;
    return taken;
  };
  for (int i = 1; i < k; ++i) {
    Best best;
    for (int32_t column = (stamps_only ? split : 0) + static_cast<int32_t>(threadIdx.x); column < n_vocab;
         column += kThreads) {
      if ((mask[column / 32] >> (column % 32)) & 1u || ranges.Contain(column) || is_chosen(column, i))
        continue;
      const float x = row_logits[column];
      if (x != -INFINITY)
        best.Add(x, column);
    }
    best = BlockMerge(best, scratch);
    if (threadIdx.x == 0) {
      int32_t column = best.column;
      if (best.value == -INFINITY) {
        // Fewer allowed tokens than asked for: the host's sort then takes the lowest ids not yet taken
        // (every other logit is −∞ alike).
        column = 0;
        while (is_chosen(column, i))
          ++column;
      }
      chosen[i] = column;
      tokens[row * k + i] = column;
      logprobs[row * k + i] = best.value == -INFINITY ? -INFINITY : best.value - log_normaliser;
    }
    __syncthreads();
  }
}

}  // namespace

void ChooseRowTokens(const float* logits,
                     int64_t n_rows,
                     int64_t n_vocab,
                     const TokenRuleValues& rules,
                     const IntArray& suppressed,
                     int64_t n_suppressed,
                     const IntArray& histories,
                     int k,
                     int32_t* tokens,
                     float* logprobs,
                     Stream stream) {
  if (n_rows == 0)
    return;
  const std::size_t mask_bytes = static_cast<std::size_t>((n_vocab + 31) / 32) * sizeof(uint32_t);
  ChooseTokensKernel<<<static_cast<unsigned>(n_rows), kThreads, mask_bytes,
                       static_cast<cudaStream_t>(stream)>>>(logits, static_cast<int32_t>(n_vocab), rules,
                                                            suppressed, static_cast<int32_t>(n_suppressed),
                                                            histories, k, tokens, logprobs);
}

}  // namespace verbatim::cuda_kernels
