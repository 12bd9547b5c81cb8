// Beam search, the ranker and sampling on hand-made distributions whose answers are known.
#include "model/decoding/beam_search.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <vector>

#include "core/fail.h"
#include "model/decoding/greedy.h"
#include "model/decoding/sampling.h"
#include "model/decoding/sequence_ranker.h"

namespace verbatim {
namespace {

// A five-token language: A B C EOT D.
constexpr int32_t kA = 0, kB = 1, kC = 2, kEot = 3, kD = 4;
constexpr int kVocab = 5;

/**
 * The next-token distribution after a prefix, as log-probabilities (valid logits): A is likelier first, but
 * every continuation of A is flat, while B is almost surely followed by the end.
 */
std::vector<float> NextLogits(const std::vector<int32_t>& prefix) {
  std::vector<double> p;
  if (prefix.empty())
    p = {0.5, 0.4, 0.05, 0.025, 0.025};
  else if (prefix == std::vector<int32_t>{kA})
    p = {0.2, 0.2, 0.2, 0.2, 0.2};
  else
    p = {0.025, 0.025, 0.025, 0.9, 0.025};
  std::vector<float> logits;
  for (const double value : p)
    logits.push_back(static_cast<float>(std::log(value)));
  return logits;
}

TEST(BeamSearch, FindsTheLikelierSequenceGreedyMisses) {
  // Greedy: A (0.5), then A (first of five equals), then the end: log 0.5 + log 0.2 + log 0.9.
  std::vector<int32_t> greedy;
  while (greedy.empty() || greedy.back() != kEot) {
    const std::vector<float> logits = NextLogits(greedy);
    greedy.push_back(ArgmaxToken(logits.data(), kVocab));
  }
  EXPECT_EQ(greedy, (std::vector<int32_t>{kA, kA, kEot}));

  BeamSearch search(2, 1.0f, kEot);
  std::vector<int> sources;
  for (int step = 0; step < 10 && !search.done(); ++step) {
    std::vector<std::vector<float>> rows;
    for (const BeamSearch::Sequence& beam : search.beams())
      rows.push_back(NextLogits(beam.tokens));
    const std::vector<const float*> pointers = {rows[0].data(), rows[1].data()};
    search.Step(pointers, kVocab, sources);
    if (step == 0) {
      // Both beams start equal: A and B once each, both from the last beam (Python's dict keeps the last).
      EXPECT_EQ(search.beams()[0].tokens, std::vector<int32_t>{kA});
      EXPECT_EQ(search.beams()[1].tokens, std::vector<int32_t>{kB});
      EXPECT_EQ(sources, (std::vector<int>{1, 1}));
    }
    if (step == 1) {
      // B's end finished; A's flat continuations live on, both from beam 0 (A).
      ASSERT_EQ(search.finished().size(), 1u);
      EXPECT_EQ(search.finished()[0].tokens, (std::vector<int32_t>{kB, kEot}));
      EXPECT_EQ(sources, (std::vector<int>{0, 0}));
    }
  }
  ASSERT_TRUE(search.done());
  const std::vector<BeamSearch::Sequence> candidates = search.Candidates();
  ASSERT_EQ(candidates.size(), 2u);
  EXPECT_EQ(candidates[0].tokens, std::vector<int32_t>{kB});
  EXPECT_NEAR(candidates[0].sum_logprob, std::log(0.4) + std::log(0.9), 1e-6);
  EXPECT_EQ(candidates[1].tokens, (std::vector<int32_t>{kA, kA}));
  EXPECT_NEAR(candidates[1].sum_logprob, std::log(0.5) + std::log(0.2) + std::log(0.9), 1e-6);
  std::vector<RankedCandidate> ranked;
  for (const BeamSearch::Sequence& candidate : candidates)
    ranked.push_back({static_cast<int>(candidate.tokens.size()), candidate.sum_logprob});
  EXPECT_EQ(BestCandidate(ranked, std::nullopt), 0);
  EXPECT_EQ(BestCandidate(ranked, 1.0f), 0);
}

TEST(BeamSearch, PatienceWaitsForMoreFinishedSequences) {
  BeamSearch impatient(2, 0.5f, kEot), patient(2, 2.0f, kEot);
  std::vector<int> sources;
  for (BeamSearch* search : {&impatient, &patient}) {
    for (int step = 0; step < 2; ++step) {
      std::vector<std::vector<float>> rows;
      for (const BeamSearch::Sequence& beam : search->beams())
        rows.push_back(NextLogits(beam.tokens));
      search->Step({rows[0].data(), rows[1].data()}, kVocab, sources);
    }
  }
  EXPECT_TRUE(impatient.done());  // round(2 × 0.5) = 1 finished is enough
  EXPECT_FALSE(patient.done());   // round(2 × 2) = 4 are needed
  EXPECT_THROW(BeamSearch(1, 0.2f, kEot), Error);
}

TEST(BeamSearch, UnfinishedBeamsFillTheCandidatesBestFirst) {
  BeamSearch search(2, 1.0f, kEot);
  std::vector<int> sources;
  std::vector<std::vector<float>> rows = {NextLogits({}), NextLogits({})};
  search.Step({rows[0].data(), rows[1].data()}, kVocab, sources);
  const std::vector<BeamSearch::Sequence> candidates = search.Candidates();
  ASSERT_EQ(candidates.size(), 2u);
  EXPECT_EQ(candidates[0].tokens, std::vector<int32_t>{kA});
  EXPECT_EQ(candidates[1].tokens, std::vector<int32_t>{kB});
}

TEST(SequenceRanker, LengthPenaltyAsOpenAi) {
  // -3 over 3 tokens against -2.2 over 2: by length -1 < -1.1 → the first; with alpha 1 the penalties are
  // 8/6 and 7/6: -2.25 < -1.886 → the second.
  const std::vector<RankedCandidate> candidates = {{3, -3.0}, {2, -2.2}};
  EXPECT_EQ(BestCandidate(candidates, std::nullopt), 0);
  EXPECT_EQ(BestCandidate(candidates, 1.0f), 1);
  // alpha 0: no penalty at all, the larger sum wins.
  EXPECT_EQ(BestCandidate(candidates, 0.0f), 1);
  EXPECT_EQ(BestCandidate({{2, -1.0}, {2, -1.0}}, std::nullopt), 0);  // the first among equals
}

TEST(Sampling, ReproducibleForASeedAndFollowsTheDistribution) {
  const std::vector<float> logits = {std::log(0.7f), std::log(0.2f), std::log(0.1f), -INFINITY};
  std::vector<int> counts(4, 0);
  TokenSampler sampler(SequenceSeed(42, 0, 0, 1)), again(SequenceSeed(42, 0, 0, 1));
  constexpr int kDraws = 20000;
  for (int i = 0; i < kDraws; ++i) {
    const int32_t token = sampler.Sample(logits.data(), 4, 1.0f);
    ASSERT_EQ(token, again.Sample(logits.data(), 4, 1.0f));
    ++counts[token];
  }
  EXPECT_EQ(counts[3], 0);  // -inf is never drawn
  EXPECT_NEAR(counts[0] / static_cast<double>(kDraws), 0.7, 0.02);
  EXPECT_NEAR(counts[2] / static_cast<double>(kDraws), 0.1, 0.02);
  // A low temperature sharpens the distribution towards the argmax.
  int first = 0;
  for (int i = 0; i < 2000; ++i)
    first += sampler.Sample(logits.data(), 4, 0.05f) == 0;
  EXPECT_GT(first, 1990);
}

TEST(Sampling, SeedsDifferPerWindowSampleAndTemperature) {
  const uint64_t base = SequenceSeed(7, 0, 0, 0);
  EXPECT_EQ(base, SequenceSeed(7, 0, 0, 0));
  EXPECT_NE(base, SequenceSeed(8, 0, 0, 0));
  EXPECT_NE(base, SequenceSeed(7, 1, 0, 0));
  EXPECT_NE(base, SequenceSeed(7, 0, 1, 0));
  EXPECT_NE(base, SequenceSeed(7, 0, 0, 1));
  TokenSampler a(1), b(1);
  for (int i = 0; i < 10; ++i) {
    const double u = a.NextUniform();
    EXPECT_EQ(u, b.NextUniform());
    EXPECT_GE(u, 0.0);
    EXPECT_LT(u, 1.0);
  }
}

}  // namespace
}  // namespace verbatim
