#include "model/decoding/beam_search.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "core/fail.h"
#include "model/decoding/greedy.h"

namespace verbatim {
namespace {

struct Candidate {
  std::vector<int32_t> tokens;
  double score = 0.0;
  int source = 0;
};

/** The k largest ids of a row, largest first, the lower id first among equals. */
std::vector<int32_t> TopK(const float* logits, int n_vocab, int k) {
  std::vector<int32_t> ids(static_cast<std::size_t>(n_vocab));
  std::iota(ids.begin(), ids.end(), 0);
  k = std::min(k, n_vocab);
  std::partial_sort(ids.begin(), ids.begin() + k, ids.end(), [&](int32_t a, int32_t b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  });
  ids.resize(static_cast<std::size_t>(k));
  return ids;
}

}  // namespace

namespace {

/** round(n_beams * patience), kept in int range: a patience that large just never stops early. */
int MaxCandidates(int n_beams, float patience) {
  constexpr double kNever = 1 << 30;
  return static_cast<int>(std::clamp(std::nearbyint(n_beams * static_cast<double>(patience)), 0.0, kNever));
}

}  // namespace

BeamSearch::BeamSearch(int n_beams, float patience, int32_t end_of_text)
    : n_beams_(n_beams),
      max_candidates_(MaxCandidates(n_beams, patience)),
      end_of_text_(end_of_text),
      beams_(static_cast<std::size_t>(std::max(n_beams, 0))) {
  if (n_beams < 1 || max_candidates_ < 1) {
    Fail(ErrorCode::kInvalidArg, "BeamSearch", "n_beams (", n_beams, ") and patience (", patience,
         ") must keep round(n_beams * patience) >= 1");
  }
}

void BeamSearch::Step(const std::vector<const float*>& logits, int n_vocab, std::vector<int>& sources) {
  std::vector<std::vector<Choice>> choices(static_cast<std::size_t>(n_beams_));
  for (int j = 0; j < n_beams_; ++j) {
    const float* row = logits[j];
    const double log_sum_exp = LogSumExp(row, n_vocab);
    for (const int32_t token : TopK(row, n_vocab, n_beams_ + 1))
      choices[j].push_back({token, TokenLogProb(row, token, log_sum_exp)});
  }
  StepFromChoices(choices, sources);
}

void BeamSearch::StepFromChoices(const std::vector<std::vector<Choice>>& choices, std::vector<int>& sources) {
  // Candidates in the order Python's dict would hold them: first insertion decides the place, the last one
  // the value and source.
  std::vector<Candidate> candidates;
  std::map<std::vector<int32_t>, std::size_t> index;
  for (int j = 0; j < n_beams_; ++j) {
    for (const Choice& choice : choices[j]) {
      Candidate candidate{beams_[j].tokens, beams_[j].sum_logprob + choice.logprob, j};
      candidate.tokens.push_back(choice.token);
      const auto [it, inserted] = index.emplace(candidate.tokens, candidates.size());
      if (inserted) {
        candidates.push_back(std::move(candidate));
      } else {
        candidates[it->second].score = candidate.score;
        candidates[it->second].source = j;
      }
    }
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) { return a.score > b.score; });

  std::vector<Sequence> next;
  std::vector<Sequence> newly_finished;
  sources.clear();
  for (Candidate& candidate : candidates) {
    if (candidate.tokens.back() == end_of_text_) {
      newly_finished.push_back({std::move(candidate.tokens), candidate.score});
      continue;
    }
    sources.push_back(candidate.source);
    next.push_back({std::move(candidate.tokens), candidate.score});
    if (static_cast<int>(next.size()) == n_beams_)
      break;
  }
  if (static_cast<int>(next.size()) != n_beams_) {
    // Each beam offers n_beams + 1 distinct tokens, at most one of them <|endoftext|>: only a vocabulary
    // smaller than n_beams + 1 can leave too few.
    Fail(ErrorCode::kInternal, "BeamSearch::Step", "only ", next.size(), " live candidates for ", n_beams_,
         " beams");
  }
  beams_ = std::move(next);
  // Already in descending order of score; the list only grows until it is full.
  for (Sequence& sequence : newly_finished) {
    if (done())
      break;
    finished_.push_back(std::move(sequence));
  }
}

std::vector<BeamSearch::Sequence> BeamSearch::Candidates() const {
  std::vector<Sequence> candidates = finished_;
  for (Sequence& candidate : candidates)
    candidate.tokens.pop_back();  // <|endoftext|>
  if (static_cast<int>(candidates.size()) < n_beams_) {
    // numpy's argsort (ascending, stable for so few), reversed: the highest sums first, the later beam first
    // among equals.
    std::vector<int> order(beams_.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int a, int b) { return beams_[a].sum_logprob < beams_[b].sum_logprob; });
    std::reverse(order.begin(), order.end());
    for (const int j : order) {
      candidates.push_back(beams_[j]);
      if (static_cast<int>(candidates.size()) >= n_beams_)
        break;
    }
  }
  return candidates;
}

}  // namespace verbatim
