#include "audio/log_mel.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "audio/fft_plan.h"
#include "audio/mel_block_kernel.h"
#include "audio/mel_filters.h"
#include "audio/stft_frame.h"
#include "backend/cpu/thread_pool.h"
#include "core/fail.h"

namespace verbatim {
namespace {

/**
 * Frames per unit of work when a signal is split between threads (rounded to whole blocks): 512 frames are
 * about 0.15 ms on one core, enough for the scheduling to cost nothing, and six per window balance two or
 * more threads.
 */
constexpr std::size_t kFramesPerTask = 512;

/** The spectrograms to compute: one per signal, n_frames frames each, written one after another to `out`. */
struct LogMelJob {
  const MelBlockKernel* kernel = nullptr;
  const MelFilterBank* bank = nullptr;
  std::vector<PaddedSignal> signals;
  std::size_t n_frames = 0;
  float* out = nullptr;

  /** Where signal `signal`'s [n_mels][n_frames] spectrogram goes. */
  float* SpectrogramOut(std::size_t signal) const {
    return out + signal * static_cast<std::size_t>(bank->n_mels) * n_frames;
  }
};

/** One thread's block buffers, the float64 ones 64-byte aligned so that no SIMD access straddles a cache
 * line. */
class BlockBuffers {
 public:
  explicit BlockBuffers(const MelBlockKernel& kernel)
      : n_doubles_(kernel.workspace_doubles()),
        doubles_(4 * n_doubles_ + kAlignmentDoubles),
        power_(kernel.workspace_floats()) {
    const auto address = reinterpret_cast<std::uintptr_t>(doubles_.data());
    const std::size_t misalignment = address % (kAlignmentDoubles * sizeof(double));
    double* aligned =
        doubles_.data() + (misalignment == 0 ? 0 : kAlignmentDoubles - misalignment / sizeof(double));
    workspace_.frames_re = aligned;
    workspace_.frames_im = aligned + n_doubles_;
    workspace_.scratch_re = aligned + 2 * n_doubles_;
    workspace_.scratch_im = aligned + 3 * n_doubles_;
    workspace_.power = power_.data();
  }
  BlockBuffers(const BlockBuffers&) = delete;
  BlockBuffers& operator=(const BlockBuffers&) = delete;

  const MelBlockWorkspace& workspace() const { return workspace_; }
  /** The real (frames 0 … L-1) or imaginary (frames L … 2L-1) input lane of block frame `frame`. */
  double* FrameLane(int frame, int lanes) const {
    return frame < lanes ? workspace_.frames_re + frame : workspace_.frames_im + (frame - lanes);
  }

 private:
  static constexpr std::size_t kAlignmentDoubles = 8;
  std::size_t n_doubles_;
  std::vector<double> doubles_;
  std::vector<float> power_;
  MelBlockWorkspace workspace_;
};

/** Block buffers per pool thread, each made on its thread's first task (threads that get no task allocate
 * none). */
class WorkerBuffers {
 public:
  WorkerBuffers(const MelBlockKernel& kernel, int n_threads) : kernel_(kernel), buffers_(n_threads) {}

  /** Worker `worker`'s buffers; only that worker may call this (so no two threads touch one slot). */
  const BlockBuffers& For(int worker) {
    std::unique_ptr<BlockBuffers>& slot = buffers_[worker];
    if (!slot)
      slot = std::make_unique<BlockBuffers>(kernel_);
    return *slot;
  }

 private:
  const MelBlockKernel& kernel_;
  std::vector<std::unique_ptr<BlockBuffers>> buffers_;
};

/** The first sample of frame `frame`, which is centred on sample frame · hop: negative for the first two. */
std::int64_t FrameFirstSample(std::size_t frame) {
  return static_cast<std::int64_t>(frame * kHopSamples) - kFftSize / 2;
}

/** Fills the block of frames from `block_start` (zeros past n_valid); returns true when every frame is
 * silent. */
bool FillBlock(const MelBlockTables& tables,
               const MelBlockKernel& kernel,
               const PaddedSignal& signal,
               std::size_t block_start,
               int n_valid,
               const BlockBuffers& buffers) {
  const int frames_per_block = kernel.frames_per_block();
  const std::int64_t first_sample = FrameFirstSample(block_start);
  const std::int64_t end_sample = FrameFirstSample(block_start + frames_per_block - 1) + kFftSize;
  if (n_valid == frames_per_block && first_sample >= 0 &&
      end_sample <= static_cast<std::int64_t>(signal.n_samples)) {
    kernel.fill_interior_block(tables, signal.samples + first_sample, buffers.workspace());
    return false;
  }
  bool all_silent = true;
  for (int i = 0; i < frames_per_block; i++) {
    double* lane = buffers.FrameLane(i, kernel.lanes);
    if (i < n_valid) {
      all_silent =
          FillWindowedFrame(signal, FrameFirstSample(block_start + i), lane, kernel.lanes) && all_silent;
    } else {
      for (int j = 0; j < kFftSize; j++)
        lane[j * kernel.lanes] = 0.0;
    }
  }
  return all_silent;
}

/**
 * Frames [first_frame, end_frame) of `signal`, log10 mel only (before the floor), into out[m * n_frames + t].
 * Returns their largest value.
 */
float ComputeLogMelRange(const LogMelJob& job,
                         const MelBlockTables& tables,
                         const PaddedSignal& signal,
                         std::size_t first_frame,
                         std::size_t end_frame,
                         float* out,
                         const BlockBuffers& buffers) {
  const MelBlockKernel& kernel = *job.kernel;
  const int frames_per_block = kernel.frames_per_block();
  float range_max = kSilentLogMel;
  for (std::size_t block_start = first_frame; block_start < end_frame; block_start += frames_per_block) {
    const int n_valid = static_cast<int>(std::min<std::size_t>(frames_per_block, end_frame - block_start));
    float* block_out = out + block_start;
    if (FillBlock(tables, kernel, signal, block_start, n_valid, buffers)) {
      // Padding past the end of a short clip: no transform needed.
      for (int m = 0; m < tables.n_mels; m++)
        std::fill_n(block_out + m * job.n_frames, n_valid, kSilentLogMel);
      continue;
    }
    range_max = std::max(range_max,
                         kernel.compute_block(tables, buffers.workspace(), block_out, job.n_frames, n_valid));
  }
  return range_max;
}

/** Raises values below `floor` to it and applies (x + 4) / 4, over frames [first_frame, end_frame) of every
 * row. */
void FloorAndScale(float floor,
                   std::size_t first_frame,
                   std::size_t end_frame,
                   std::size_t n_frames,
                   int n_mels,
                   float* out) {
  for (int m = 0; m < n_mels; m++) {
    float* row = out + m * n_frames;
    for (std::size_t t = first_frame; t < end_frame; t++) {
      row[t] = (std::max(row[t], floor) + kLogMelOffset) / kLogMelScale;
    }
  }
}

MelBlockTables MakeTables(const MelFilterBank& bank) {
  const FftPlan& plan = FramePlan();
  MelBlockTables tables;
  tables.hann_window = PeriodicHannWindow();
  tables.fft_stages = plan.stages.data();
  tables.n_fft_stages = static_cast<int>(plan.stages.size());
  tables.n_mels = bank.n_mels;
  tables.mel_weights = bank.weights.data();
  tables.mel_first_bin = bank.first_bin.data();
  tables.mel_end_bin = bank.end_bin.data();
  return tables;
}

/**
 * One task per signal: each signal's two passes (log mel and its max, then floor and scale) run back to back
 * on one thread, while its output is still in cache.
 */
void RunSignalsAsTasks(const LogMelJob& job, const MelBlockTables& tables, int n_threads) {
  const auto n_tasks = static_cast<int>(job.signals.size());
  ThreadPool pool(std::min(n_threads, n_tasks));
  WorkerBuffers buffers(*job.kernel, pool.n_threads());
  pool.ParallelFor(n_tasks, [&](int64_t signal, int worker) {
    float* const out = job.SpectrogramOut(signal);
    const float max =
        ComputeLogMelRange(job, tables, job.signals[signal], 0, job.n_frames, out, buffers.For(worker));
    FloorAndScale(max - kDynamicRange, 0, job.n_frames, job.n_frames, tables.n_mels, out);
  });
}

/**
 * Fewer signals than threads: each signal's frames cut into ranges of whole blocks (so that no block
 * straddles two tasks and results do not depend on the cut); every range's max first, then floor and scale
 * once a signal's max is known.
 */
void RunFrameRangesAsTasks(const LogMelJob& job, const MelBlockTables& tables, int n_threads) {
  const std::size_t frames_per_block = job.kernel->frames_per_block();
  const std::size_t frames_per_task =
      std::max(frames_per_block, kFramesPerTask / frames_per_block * frames_per_block);
  const std::size_t tasks_per_signal = (job.n_frames + frames_per_task - 1) / frames_per_task;
  const auto n_tasks = static_cast<int>(tasks_per_signal * job.signals.size());
  struct Range {
    std::size_t signal;
    std::size_t first_frame;
    std::size_t end_frame;
  };
  auto task_range = [&](int64_t task) {
    const std::size_t first_frame = (task % tasks_per_signal) * frames_per_task;
    return Range{task / tasks_per_signal, first_frame, std::min(job.n_frames, first_frame + frames_per_task)};
  };

  ThreadPool pool(std::min(n_threads, n_tasks));
  WorkerBuffers buffers(*job.kernel, pool.n_threads());
  std::vector<float> task_max(n_tasks, kSilentLogMel);
  pool.ParallelFor(n_tasks, [&](int64_t task, int worker) {
    const Range range = task_range(task);
    task_max[task] =
        ComputeLogMelRange(job, tables, job.signals[range.signal], range.first_frame, range.end_frame,
                           job.SpectrogramOut(range.signal), buffers.For(worker));
  });
  std::vector<float> signal_floor(job.signals.size());
  for (std::size_t signal = 0; signal < job.signals.size(); signal++) {
    const auto first_task = task_max.begin() + signal * tasks_per_signal;
    signal_floor[signal] = *std::max_element(first_task, first_task + tasks_per_signal) - kDynamicRange;
  }
  pool.ParallelFor(n_tasks, [&](int64_t task, int) {
    const Range range = task_range(task);
    FloorAndScale(signal_floor[range.signal], range.first_frame, range.end_frame, job.n_frames, tables.n_mels,
                  job.SpectrogramOut(range.signal));
  });
}

void RunLogMelJob(const LogMelJob& job, int n_threads) {
  if (job.n_frames == 0 || job.signals.empty())
    return;
  const MelBlockTables tables = MakeTables(*job.bank);
  if (job.signals.size() >= static_cast<std::size_t>(n_threads)) {
    RunSignalsAsTasks(job, tables, n_threads);
  } else {
    RunFrameRangesAsTasks(job, tables, n_threads);
  }
}

/** n_threads >= 1 as given, 0 as the hardware threads this process may use. */
int ResolveThreadCount(int n_threads, const char* operation) {
  if (n_threads < 0)
    Fail(ErrorCode::kInvalidArg, operation, "n_threads must be >= 0: ", n_threads);
  return n_threads > 0 ? n_threads : AvailableHardwareThreads();
}

void CheckOutput(const float* out, const char* operation) {
  if (out == nullptr)
    Fail(ErrorCode::kInvalidArg, operation, "out must not be null");
}

void ComputeWindows(const MelBlockKernel& kernel,
                    const float* const* samples,
                    const std::size_t* n_samples,
                    int n_batch,
                    int n_mels,
                    float* out,
                    int n_threads,
                    const char* operation) {
  CheckMelBinCount(n_mels, operation);
  if (n_batch < 0)
    Fail(ErrorCode::kInvalidArg, operation, "n_batch must be >= 0: ", n_batch);
  const int threads = ResolveThreadCount(n_threads, operation);
  if (n_batch == 0)
    return;
  if (samples == nullptr || n_samples == nullptr) {
    Fail(ErrorCode::kInvalidArg, operation, "samples and n_samples must not be null for n_batch ", n_batch);
  }
  CheckOutput(out, operation);
  LogMelJob job;
  job.kernel = &kernel;
  job.bank = &WhisperMelFilters(n_mels);
  job.n_frames = kWindowFrames;
  job.out = out;
  for (int i = 0; i < n_batch; i++) {
    if (samples[i] == nullptr && n_samples[i] > 0) {
      Fail(ErrorCode::kInvalidArg, operation, "samples[", i, "] is null but n_samples[", i, "] is ",
           n_samples[i]);
    }
    // The window: the samples padded with zeros or trimmed to 30 s.
    job.signals.push_back(PaddedSignal{samples[i], std::min(n_samples[i], kWindowSamples), kWindowSamples});
  }
  RunLogMelJob(job, threads);
}

}  // namespace

void ComputeLogMel(const float* samples, std::size_t n_samples, int n_mels, float* out) {
  ComputeWindows(BestMelBlockKernel(), &samples, &n_samples, 1, n_mels, out, 1, "ComputeLogMel");
}

void ComputeLogMelBatch(const float* const* samples,
                        const std::size_t* n_samples,
                        int n_batch,
                        int n_mels,
                        float* out,
                        int n_threads) {
  ComputeWindows(BestMelBlockKernel(), samples, n_samples, n_batch, n_mels, out, n_threads,
                 "ComputeLogMelBatch");
}

void ComputeLogMelBatchWithKernel(const MelBlockKernel& kernel,
                                  const float* const* samples,
                                  const std::size_t* n_samples,
                                  int n_batch,
                                  int n_mels,
                                  float* out,
                                  int n_threads) {
  ComputeWindows(kernel, samples, n_samples, n_batch, n_mels, out, n_threads, "ComputeLogMelBatchWithKernel");
}

std::size_t LogMelFrameCount(std::size_t n_samples) {
  return n_samples / kHopSamples;
}

void ComputeLogMelFrames(const float* samples, std::size_t n_samples, int n_mels, float* out, int n_threads) {
  constexpr const char* kOperation = "ComputeLogMelFrames";
  CheckMelBinCount(n_mels, kOperation);
  const int threads = ResolveThreadCount(n_threads, kOperation);
  if (samples == nullptr && n_samples > 0) {
    Fail(ErrorCode::kInvalidArg, kOperation, "samples is null but n_samples is ", n_samples);
  }
  LogMelJob job;
  job.n_frames = LogMelFrameCount(n_samples);
  if (job.n_frames == 0)
    return;
  CheckOutput(out, kOperation);
  job.kernel = &BestMelBlockKernel();
  job.bank = &WhisperMelFilters(n_mels);
  job.signals.push_back(PaddedSignal{samples, n_samples, n_samples});
  job.out = out;
  RunLogMelJob(job, threads);
}

}  // namespace verbatim
