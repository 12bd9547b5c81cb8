// The engine alone on the fixed-length protocol of shared/docs/performance.md: n 30 s windows of seeded
// random log-mel, encoded as one batch, then exactly --new-tokens greedy steps for every window after the
// 4-token start sequence (EOT is not special: every sequence runs the whole length), model only. Built beside
// the C++ tests; runs without Node, so the GPU machine can time the CUDA backend against transformers in the
// same call.
//
//   verbatim_engine_bench --model DIR [--device cuda] [--batch 16] [--new-tokens 112] [--rounds 3] [--threads
//   0]
//
// Prints one JSON record (performance.md's schema: impl, model, backend, dtype, batch, stage, audio_s,
// wall_s, rtfx) for the median of --rounds timed rounds after one warm-up, with the split: `encode_s` runs
// to the start sequence's logits on the host (on the GPU, Encode returns once its work is enqueued; those
// logits wait for it), `step_ms` is the rest per greedy step.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "verbatim/engine.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string model;
  std::string device = "cuda";
  int batch = 16;
  int new_tokens = 112;
  int rounds = 3;
  int threads = 0;
};

[[noreturn]] void Usage(const char* problem) {
  std::fprintf(stderr,
               "verbatim_engine_bench: %s\nusage: verbatim_engine_bench --model DIR [--device cpu|cuda|auto] "
               "[--batch N] [--new-tokens N] [--rounds N] [--threads N]\n",
               problem);
  std::exit(2);
}

Options Parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc)
      Usage(("missing the value of " + flag).c_str());
    const char* value = argv[++i];
    if (flag == "--model") {
      options.model = value;
    } else if (flag == "--device") {
      options.device = value;
    } else if (flag == "--batch") {
      options.batch = std::atoi(value);
    } else if (flag == "--new-tokens") {
      options.new_tokens = std::atoi(value);
    } else if (flag == "--rounds") {
      options.rounds = std::atoi(value);
    } else if (flag == "--threads") {
      options.threads = std::atoi(value);
    } else {
      Usage(("unknown flag " + flag).c_str());
    }
  }
  if (options.model.empty())
    Usage("--model is required");
  if (options.batch < 1 || options.new_tokens < 1 || options.rounds < 1)
    Usage("--batch, --new-tokens and --rounds must be at least 1");
  return options;
}

double Seconds(Clock::time_point from) {
  return std::chrono::duration<double>(Clock::now() - from).count();
}

struct RoundTimes {
  double encode_s;  // encoder + the start sequence, up to its logits on the host (which waits for both)
  double wall_s;    // the whole round
};

/** One timed transcription of the batch: encode, start sequence, new_tokens greedy steps. */
RoundTimes RunOnce(const verbatim::Model& model, const std::vector<float>& mel, const Options& options) {
  const verbatim::ModelInfo& info = model.info();
  const verbatim::SpecialTokens special = info.special_tokens.value_or(verbatim::SpecialTokens{});
  const auto start = Clock::now();
  const auto audio = model.Encode(mel.data(), options.batch);
  auto session = model.NewDecoderSession(*audio);
  std::vector<int32_t> tokens;
  for (int b = 0; b < options.batch; ++b) {
    tokens.insert(tokens.end(), {special.start_of_transcript, special.first_language, special.transcribe,
                                 special.no_timestamps});
  }
  // Greedy by argmax where the logits are (AppendArgMax): on a GPU only the chosen tokens cross to the host,
  // as in transformers' loop. Each call returns once its tokens are on the host, so the first one waits for
  // the encoder too.
  std::vector<int32_t> next(static_cast<std::size_t>(options.batch)), chosen(next.size());
  session->AppendArgMax(tokens.data(), 4, next.data());
  const double encode_s = Seconds(start);
  for (int step = 1; step < options.new_tokens; ++step) {
    session->AppendArgMax(next.data(), 1, chosen.data());
    next.swap(chosen);
  }
  // The last call brought its tokens to the host: everything issued before it has finished.
  return {encode_s, Seconds(start)};
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = Parse(argc, argv);
  try {
    verbatim::ModelLoadParams params;
    params.device = options.device;
    params.n_threads = options.threads;
    const auto load_start = Clock::now();
    const auto model = verbatim::Model::Load(options.model, params);
    const double load_s = Seconds(load_start);
    const verbatim::ModelInfo& info = model->info();
    std::mt19937 generator(1234);
    std::uniform_real_distribution<float> distribution(-1.0f, 1.5f);
    std::vector<float> mel(static_cast<std::size_t>(options.batch) * info.dims.n_mels * 3000);
    for (float& value : mel)
      value = distribution(generator);

    RunOnce(*model, mel, options);  // warm-up: allocator pools, cuBLAS heuristics, caches
    std::vector<double> rounds, encodes;
    for (int i = 0; i < options.rounds; ++i) {
      const RoundTimes times = RunOnce(*model, mel, options);
      rounds.push_back(times.wall_s);
      encodes.push_back(times.encode_s);
    }
    std::sort(rounds.begin(), rounds.end());
    std::sort(encodes.begin(), encodes.end());
    const double wall_s = rounds[rounds.size() / 2];
    const double encode_s = encodes[encodes.size() / 2];
    // The decoder's share per step: what the round took beyond the encoder and start sequence.
    const double step_ms = 1000.0 * (wall_s - encode_s) / std::max(1, options.new_tokens - 1);
    const double audio_s = 30.0 * options.batch;
    std::printf(
        "{\"impl\": \"verbatim\", \"model\": \"%s\", \"backend\": \"%s\", \"device_name\": \"%s\", "
        "\"dtype\": \"%s\", "
        "\"batch\": %d, \"stage\": \"model\", \"new_tokens\": %d, \"audio_s\": %.1f, \"wall_s\": %.4f, "
        "\"rtfx\": %.1f, \"encode_s\": %.4f, \"step_ms\": %.3f, \"peak_mem_bytes\": %zu, \"load_s\": %.2f, "
        "\"rounds\": %d, \"note\": \"%s\"}\n",
        options.model.c_str(), info.backend.c_str(), info.device_name.c_str(),
        verbatim::DTypeName(info.weight_dtype), options.batch, options.new_tokens, audio_s, wall_s,
        audio_s / wall_s, encode_s, step_ms, model->PeakDeviceBytes(), load_s, options.rounds,
        info.backend_note.c_str());
    return 0;
  } catch (const verbatim::Error& error) {
    std::fprintf(stderr, "verbatim_engine_bench: %s\n", error.what());
    return 1;
  }
}
