#include "model/decoding/decoding_pass.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>

#include "model/decoding/beam_search.h"
#include "model/decoding/greedy.h"
#include "model/decoding/language_detection.h"
#include "model/decoding/sampling.h"
#include "model/decoding/sequence_ranker.h"

namespace verbatim {
namespace {

/** A greedy or sampled sequence: one decoder row. */
struct SampledRow {
  std::vector<int32_t> tokens;
  double sum_logprob = 0.0;
  bool finished = false;  // ended with <|endoftext|>
  bool stopped = false;   // reached its length limit
  bool active() const { return !finished && !stopped; }
};

/** softmax(logits)[token], in double. */
float Probability(const float* logits, int n_vocab, int32_t token) {
  return static_cast<float>(std::exp(TokenLogProb(logits, token, LogSumExp(logits, n_vocab))));
}

/**
 * The decoder rows of a pass and the logits of their last positions on the host: the prompt first (padded
 * to the longest, then truncated back, so that windows with prompts of different lengths share one call),
 * then one token per row and step. Rows that have stopped take a dummy token in place of their last one,
 * keeping their length, because every decoder call appends to every row.
 */
class PassRows {
 public:
  PassRows(WhisperDecoder& decoder, Backend& backend, int n_vocab)
      : decoder_(decoder), backend_(backend), n_vocab_(n_vocab) {}

  /**
   * Starts `rows_per_job` rows for each job and feeds the start sequences.
   * @return the probability of `no_speech` at each job's <|startoftranscript|>.
   */
  std::vector<float> Start(const std::vector<WindowJob>& jobs,
                           int rows_per_job,
                           int32_t pad,
                           int32_t no_speech) {
    std::vector<int> rows_per_window(static_cast<std::size_t>(decoder_.n_windows()), 0);
    std::size_t longest = 0;
    for (const WindowJob& job : jobs) {
      rows_per_window[job.window] = rows_per_job;
      longest = std::max(longest, job.start.tokens.size());
    }
    decoder_.ResetRows(rows_per_window);
    const int n_rows = decoder_.n_batch();
    const int n_new = static_cast<int>(longest);
    std::vector<int32_t> tokens(static_cast<std::size_t>(n_rows) * n_new, pad);
    std::vector<int> positions(static_cast<std::size_t>(n_rows) * 2);
    for (int row = 0; row < n_rows; ++row) {
      const StartSequence& start = jobs[row / rows_per_job].start;
      std::copy(start.tokens.begin(), start.tokens.end(),
                tokens.begin() + static_cast<std::ptrdiff_t>(row) * n_new);
      positions[row * 2] = start.start_of_transcript_index;
      positions[row * 2 + 1] = static_cast<int>(start.tokens.size()) - 1;
    }
    const Tensor& selected = decoder_.AppendSelected(tokens.data(), n_new, positions.data(), 2);
    std::vector<float> both(static_cast<std::size_t>(selected.numel()));
    backend_.Download(selected, both.data());
    // Every later step downloads into this one buffer: page-locked on a GPU, where a pageable copy of 16 rows
    // of logits (3.3 MB) took longer than the step itself.
    const std::size_t n_logits = static_cast<std::size_t>(n_rows) * n_vocab_;
    if (n_logits > logits_size_) {
      logits_ = backend_.AllocateHostFloats(n_logits);
      logits_size_ = n_logits;
    }
    std::vector<float> no_speech_probs(jobs.size());
    for (int row = 0; row < n_rows; ++row) {
      decoder_.Truncate(row, static_cast<int>(jobs[row / rows_per_job].start.tokens.size()));
      const float* at_start = both.data() + static_cast<std::size_t>(row) * 2 * n_vocab_;
      std::copy(at_start + n_vocab_, at_start + 2 * n_vocab_, logits(row));
      if (row % rows_per_job == 0)
        no_speech_probs[row / rows_per_job] = Probability(at_start, n_vocab_, no_speech);
    }
    return no_speech_probs;
  }

  Backend& backend() const { return backend_; }

  /** Row `row`'s logits for its next token, on the host (the rules change them in place). */
  float* logits(int row) { return logits_.get() + static_cast<std::size_t>(row) * n_vocab_; }

  /**
   * Appends next[row] to the rows where active[row], a dummy elsewhere; the new logits are then on the host
   * (logits(row)) or, with `download` false, only where the backend keeps them (device_logits()).
   */
  void Advance(const std::vector<int32_t>& next, const std::vector<bool>& active, bool download = true) {
    for (int row = 0; row < decoder_.n_batch(); ++row) {
      if (!active[row])
        decoder_.Truncate(row, decoder_.length(row) - 1);
    }
    device_logits_ = &decoder_.Append(next.data(), 1, false);
    if (download)
      backend_.Download(*device_logits_, logits_.get());
  }

  /** The last Advance's logits [n_rows, n_vocab] where the backend keeps them. */
  const Tensor& device_logits() const { return *device_logits_; }

 private:
  WhisperDecoder& decoder_;
  Backend& backend_;
  int n_vocab_;
  std::shared_ptr<float> logits_;  // [n_rows, n_vocab]: backend_.AllocateHostFloats
  std::size_t logits_size_ = 0;
  const Tensor* device_logits_ = nullptr;  // the decoder's output of the last Advance
};

/**
 * Each row's k likeliest tokens under the logit rules, chosen by a backend that keeps the logits where they
 * are (Backend::ChooseTokens: a GPU): a step's rows send it their histories instead of reading their logits.
 */
class BackendChoices {
 public:
  BackendChoices(const LogitRules& rules, int n_rows, int k, int32_t timestamp_begin)
      : rules_(rules.ForBackend()),
        k_(k),
        timestamp_begin_(timestamp_begin),
        histories_(static_cast<std::size_t>(n_rows)),
        tokens_(static_cast<std::size_t>(n_rows) * k),
        logprobs_(static_cast<std::size_t>(n_rows) * k) {}

  /** Row r's history is what rules look at in `sampled(r)`, its tokens after its start sequence. */
  template <typename Sampled>
  void Choose(PassRows& rows, Sampled sampled) {
    for (std::size_t row = 0; row < histories_.size(); ++row)
      histories_[row] = RowHistoryOf(sampled(static_cast<int>(row)), timestamp_begin_);
    rows.backend().ChooseTokens(rows.device_logits(), rules_, histories_, k_, tokens_.data(),
                                logprobs_.data());
  }
  /** Row `row`'s i-th likeliest token and its log-probability, from the last Choose. */
  int32_t token(int row, int i) const { return tokens_[static_cast<std::size_t>(row) * k_ + i]; }
  float logprob(int row, int i) const { return logprobs_[static_cast<std::size_t>(row) * k_ + i]; }

 private:
  LogitRuleValues rules_;
  int k_;
  int32_t timestamp_begin_;
  std::vector<RowHistory> histories_;
  std::vector<int32_t> tokens_;
  std::vector<float> logprobs_;
};

/** How many tokens a window may add: OpenAI stops at sample_len new tokens or n_text_ctx + 1 in all. */
int SampleLimit(const PassSettings& settings, const WindowJob& job) {
  return std::min(settings.n_max_new_tokens,
                  settings.n_text_ctx + 1 - static_cast<int>(job.start.tokens.size()));
}

std::vector<PassResult> RunBeamSearch(PassRows& rows,
                                      WhisperDecoder& decoder,
                                      const LogitRules& rules,
                                      const std::vector<WindowJob>& jobs,
                                      const PassSettings& settings,
                                      const std::vector<float>& no_speech_probs) {
  const int n_beams = settings.n_beams;
  const int32_t end_of_text = settings.special.end_of_text;
  std::vector<BeamSearch> searches;
  std::vector<bool> stopped(jobs.size(), false);
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    searches.emplace_back(n_beams, settings.patience, end_of_text);
    stopped[j] = SampleLimit(settings, jobs[j]) <= 0;
  }
  const int n_rows = decoder.n_batch();
  std::vector<int32_t> next(static_cast<std::size_t>(n_rows), end_of_text);
  std::vector<bool> active(static_cast<std::size_t>(n_rows), false);
  std::vector<int> sources(static_cast<std::size_t>(n_rows)), beam_sources;
  std::vector<const float*> beam_logits(static_cast<std::size_t>(n_beams));
  // On a backend that chooses where the logits are (a GPU), each beam's n_beams + 1 likeliest tokens come
  // back instead of its logits; the first step's logits came with the start sequence, on the host.
  const int k = n_beams + 1;
  std::optional<BackendChoices> backend_choices;
  if (rows.backend().ChoosesTokens(k))
    backend_choices.emplace(rules, n_rows, k, settings.special.timestamp_begin);
  std::vector<std::vector<BeamSearch::Choice>> choices(static_cast<std::size_t>(n_beams));
  bool logits_on_backend = false;
  while (true) {
    if (logits_on_backend) {
      backend_choices->Choose(rows, [&](int row) -> const std::vector<int32_t>& {
        return searches[row / n_beams].beams()[row % n_beams].tokens;
      });
    }
    bool reorder = false, any_active = false;
    for (std::size_t j = 0; j < jobs.size(); ++j) {
      BeamSearch& search = searches[j];
      const int first_row = static_cast<int>(j) * n_beams;
      for (int b = 0; b < n_beams; ++b)
        sources[first_row + b] = first_row + b;
      if (search.done() || stopped[j]) {
        std::fill(active.begin() + first_row, active.begin() + first_row + n_beams, false);
        continue;
      }
      if (logits_on_backend) {
        for (int b = 0; b < n_beams; ++b) {
          choices[b].clear();
          for (int i = 0; i < k; ++i)
            choices[b].push_back(
                {backend_choices->token(first_row + b, i), backend_choices->logprob(first_row + b, i)});
        }
        search.StepFromChoices(choices, beam_sources);
      } else {
        for (int b = 0; b < n_beams; ++b) {
          const std::vector<int32_t>& tokens = search.beams()[b].tokens;
          float* logits = rows.logits(first_row + b);
          rules.Apply(tokens.data(), static_cast<int>(tokens.size()), logits, settings.n_vocab);
          beam_logits[b] = logits;
        }
        search.Step(beam_logits, settings.n_vocab, beam_sources);
      }
      for (int b = 0; b < n_beams; ++b) {
        sources[first_row + b] = first_row + beam_sources[b];
        reorder |= beam_sources[b] != b;
      }
      stopped[j] = static_cast<int>(search.beams().front().tokens.size()) >= SampleLimit(settings, jobs[j]);
      const bool continues = !search.done() && !stopped[j];
      for (int b = 0; b < n_beams; ++b) {
        next[first_row + b] = search.beams()[b].tokens.back();
        active[first_row + b] = continues;
      }
      any_active |= continues;
    }
    if (reorder)
      decoder.ReorderRows(sources);
    if (!any_active)
      break;
    rows.Advance(next, active, !backend_choices);
    logits_on_backend = backend_choices.has_value();
  }

  std::vector<PassResult> results(jobs.size());
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    std::vector<BeamSearch::Sequence> candidates = searches[j].Candidates();
    std::vector<RankedCandidate> ranked;
    for (const BeamSearch::Sequence& candidate : candidates)
      ranked.push_back({static_cast<int>(candidate.tokens.size()), candidate.sum_logprob});
    BeamSearch::Sequence& best = candidates[BestCandidate(ranked, settings.length_penalty)];
    results[j] = {std::move(best.tokens), best.sum_logprob, no_speech_probs[j]};
  }
  return results;
}

std::vector<PassResult> RunSampling(PassRows& rows,
                                    WhisperDecoder& decoder,
                                    const LogitRules& rules,
                                    const std::vector<WindowJob>& jobs,
                                    const PassSettings& settings,
                                    const std::vector<float>& no_speech_probs) {
  const int group = settings.n_samples;
  const int n_rows = decoder.n_batch();
  const int32_t end_of_text = settings.special.end_of_text;
  std::vector<SampledRow> sequences(static_cast<std::size_t>(n_rows));
  std::vector<TokenSampler> samplers;
  for (int row = 0; row < n_rows; ++row) {
    const WindowJob& job = jobs[row / group];
    samplers.emplace_back(SequenceSeed(settings.seed, job.window, row % group, settings.temperature_index));
    sequences[row].stopped = SampleLimit(settings, job) <= 0;
  }
  std::vector<int32_t> next(static_cast<std::size_t>(n_rows), end_of_text);
  const auto take = [&](int64_t row, int32_t token, double logprob) {
    SampledRow& sequence = sequences[row];
    sequence.sum_logprob += logprob;
    sequence.tokens.push_back(token);
    sequence.finished = token == end_of_text;
    sequence.stopped = static_cast<int>(sequence.tokens.size()) >= SampleLimit(settings, jobs[row / group]);
    next[row] = token;
  };
  // One row's share of a step on the host: it reads and writes only its own sequence, sampler, logits and
  // slot of `next`, so rows may run on threads side by side.
  const auto choose = [&](int64_t row, int /*worker*/) {
    SampledRow& sequence = sequences[row];
    if (!sequence.active())
      return;
    float* logits = rows.logits(static_cast<int>(row));
    rules.Apply(sequence.tokens.data(), static_cast<int>(sequence.tokens.size()), logits, settings.n_vocab);
    const int32_t token = settings.temperature > 0.0f
                              ? samplers[row].Sample(logits, settings.n_vocab, settings.temperature)
                              : ArgmaxToken(logits, settings.n_vocab);
    take(row, token, TokenLogProb(logits, token, LogSumExp(logits, settings.n_vocab)));
  };
  // Greedy steps on a backend that applies the rules where the logits are (a GPU): each step returns a token
  // and a log-probability a row instead of its logits. The first step's logits came with the start sequence,
  // on the host.
  std::optional<BackendChoices> backend_choices;
  if (settings.temperature == 0.0f && rows.backend().ChoosesTokens(1))
    backend_choices.emplace(rules, n_rows, 1, settings.special.timestamp_begin);
  const auto choose_on_backend = [&] {
    backend_choices->Choose(rows,
                            [&](int row) -> const std::vector<int32_t>& { return sequences[row].tokens; });
    for (int row = 0; row < n_rows; ++row) {
      if (sequences[row].active())
        take(row, backend_choices->token(row, 0), backend_choices->logprob(row, 0));
    }
  };
  std::vector<bool> active(static_cast<std::size_t>(n_rows));
  bool logits_on_backend = false;
  while (true) {
    if (logits_on_backend) {
      choose_on_backend();
    } else if (settings.row_threads != nullptr && n_rows > 1) {
      settings.row_threads->ParallelFor(n_rows, choose);
    } else {
      for (int row = 0; row < n_rows; ++row)
        choose(row, 0);
    }
    for (int row = 0; row < n_rows; ++row)
      active[row] = sequences[row].active();  // a row that stopped stays stopped
    if (std::none_of(active.begin(), active.end(), [](bool a) { return a; }))
      break;
    rows.Advance(next, active, !backend_choices);
    logits_on_backend = backend_choices.has_value();
  }

  std::vector<PassResult> results(jobs.size());
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    std::vector<RankedCandidate> ranked;
    for (int s = 0; s < group; ++s) {
      SampledRow& sequence = sequences[j * group + s];
      if (sequence.finished)
        sequence.tokens.pop_back();  // <|endoftext|>
      ranked.push_back({static_cast<int>(sequence.tokens.size()), sequence.sum_logprob});
    }
    SampledRow& best = sequences[j * group + BestCandidate(ranked, settings.length_penalty)];
    results[j] = {std::move(best.tokens), best.sum_logprob, no_speech_probs[j]};
  }
  return results;
}

}  // namespace

std::vector<PassResult> RunDecodingPass(WhisperDecoder& decoder,
                                        Backend& backend,
                                        const LogitRules& rules,
                                        const std::vector<WindowJob>& jobs,
                                        const PassSettings& settings) {
  if (jobs.empty())
    return {};
  const bool beam = settings.n_beams > 0;
  PassRows rows(decoder, backend, settings.n_vocab);
  const std::vector<float> no_speech_probs =
      rows.Start(jobs, beam ? settings.n_beams : settings.n_samples, settings.special.end_of_text,
                 settings.special.no_speech);
  return beam ? RunBeamSearch(rows, decoder, rules, jobs, settings, no_speech_probs)
              : RunSampling(rows, decoder, rules, jobs, settings, no_speech_probs);
}

std::vector<std::vector<float>> DetectLanguages(WhisperDecoder& decoder,
                                                Backend& backend,
                                                const SpecialTokens& special,
                                                const std::vector<int>& windows) {
  if (windows.empty())
    return {};
  std::vector<int> rows_per_window(static_cast<std::size_t>(decoder.n_windows()), 0);
  for (const int window : windows)
    rows_per_window[window] = 1;
  decoder.ResetRows(rows_per_window);
  const std::vector<int32_t> start(windows.size(), special.start_of_transcript);
  const Tensor& logits = decoder.Append(start.data(), 1, false);
  std::vector<float> host(static_cast<std::size_t>(logits.numel()));
  backend.Download(logits, host.data());
  const std::size_t n_vocab = host.size() / windows.size();
  std::vector<std::vector<float>> probabilities;
  for (std::size_t i = 0; i < windows.size(); ++i)
    probabilities.push_back(LanguageProbabilities(special, host.data() + i * n_vocab));
  return probabilities;
}

}  // namespace verbatim
