#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>

#include "audio/mel_filters.h"
#include "audio/stft_frame.h"
#include "backend/cuda/log_mel_kernels.h"

namespace verbatim::cuda_kernels {
namespace {

/**
 * Frames per block of the frame kernel: each thread's twiddles, read once from shared memory, serve all of
 * them. 8 divides the 3000 frames of a window, and the block's shared memory stays under the 48 KB a static
 * allocation may take (8 frames of 400 float64 samples, 201 float32 powers each, and the twiddles).
 */
constexpr int kFramesPerBlock = 8;
/** At least kFrequencyBins (a thread per bin) and a multiple of the warp. */
constexpr int kFrameThreads = 256;
/** Threads of the floor-and-scale kernel: one block per window. */
constexpr int kWindowThreads = 1024;
/**
 * The smallest mel the log sees, as in the host's kernels (mel_block_kernel_impl.h): far below 1e-10, so that
 * the clamp at kSilentLogMel after the log, not the log's rounding, makes silence -10.
 */
constexpr float kSmallestMel = 1e-20f;

static_assert(kFrameThreads >= kFrequencyBins, "a thread per frequency bin");
static_assert(kWindowFrames % kFramesPerBlock == 0, "whole blocks of frames per window");

/**
 * numpy.pad(mode='reflect') of a window of kWindowSamples: x[-i] = x[i], x[n - 1 + i] = x[n - 1 - i]. Frames
 * reach at most kFftSize / 2 samples past either end, so one reflection is enough.
 */
__device__ int64_t ReflectIndex(int64_t index) {
  constexpr auto kLast = static_cast<int64_t>(kWindowSamples) - 1;
  if (index < 0)
    return -index;
  return index > kLast ? 2 * kLast - index : index;
}

/**
 * One block per kFramesPerBlock consecutive frames of one window: the windowed frames into shared memory,
 * thread k the DFT's bin k of every frame (float64, |X_k|² rounded once to float32 as the host does), then a
 * thread per (mel bin, frame) the float32 mel sum and its log10. Writes log10 values before the floor.
 */
__global__ void LogMelFramesKernel(const LogMelTables* tables, const float* samples, float* out) {
  __shared__ double frames[kFramesPerBlock][kFftSize];
  __shared__ double twiddle_cos[kFftSize];
  __shared__ double twiddle_sin[kFftSize];
  __shared__ float power[kFramesPerBlock][kFrequencyBins];
  constexpr int64_t kBlocksPerWindow = kWindowFrames / kFramesPerBlock;
  const int64_t window = blockIdx.x / kBlocksPerWindow;
  const int64_t first_frame = blockIdx.x % kBlocksPerWindow * kFramesPerBlock;
  const float* window_samples = samples + window * static_cast<int64_t>(kWindowSamples);

  for (int j = threadIdx.x; j < kFftSize; j += blockDim.x) {
    twiddle_cos[j] = tables->twiddle_cos[j];
    twiddle_sin[j] = tables->twiddle_sin[j];
  }
  for (int i = threadIdx.x; i < kFramesPerBlock * kFftSize; i += blockDim.x) {
    const int frame = i / kFftSize, j = i % kFftSize;
    // Frame t is centred on sample t · hop: it starts kFftSize / 2 samples before.
    const int64_t index = (first_frame + frame) * kHopSamples - kFftSize / 2 + j;
    frames[frame][j] = tables->hann_window[j] * static_cast<double>(window_samples[ReflectIndex(index)]);
  }
  __syncthreads();

  const int bin = threadIdx.x;
  if (bin < kFrequencyBins) {
    double re[kFramesPerBlock] = {}, im[kFramesPerBlock] = {};
    int twiddle = 0;  // (j · bin) mod kFftSize
    for (int j = 0; j < kFftSize; ++j) {
      const double c = twiddle_cos[twiddle], s = twiddle_sin[twiddle];
#pragma unroll
      for (int frame = 0; frame < kFramesPerBlock; ++frame) {
        re[frame] += frames[frame][j] * c;
        im[frame] -= frames[frame][j] * s;
      }
      twiddle += bin;
      if (twiddle >= kFftSize)
        twiddle -= kFftSize;
    }
#pragma unroll
    for (int frame = 0; frame < kFramesPerBlock; ++frame)
      power[frame][bin] = static_cast<float>(re[frame] * re[frame] + im[frame] * im[frame]);
  }
  __syncthreads();

  const int n_mels = tables->n_mels;
  // Frame fastest: a mel row's kFramesPerBlock values are neighbours in `out`.
  for (int i = threadIdx.x; i < n_mels * kFramesPerBlock; i += blockDim.x) {
    const int mel = i / kFramesPerBlock, frame = i % kFramesPerBlock;
    const float* weights = tables->mel_weights + mel * kFrequencyBins;
    float sum = 0.0f;
    for (int f = tables->mel_first_bin[mel]; f < tables->mel_end_bin[mel]; ++f)
      sum += weights[f] * power[frame][f];
    // Clamped after the log, so that silence is exactly -10 however log10f rounds (as on the host).
    const float value = fmaxf(log10f(fmaxf(sum, kSmallestMel)), kSilentLogMel);
    out[(window * n_mels + mel) * static_cast<int64_t>(kWindowFrames) + first_frame + frame] = value;
  }
}

/** One block per window: its largest value, then every value raised to max - 8 and mapped by (x + 4) / 4. */
__global__ void FloorAndScaleKernel(int n_mels, float* out) {
  __shared__ float maxima[kWindowThreads];
  const int64_t n_values = static_cast<int64_t>(n_mels) * kWindowFrames;
  float* values = out + blockIdx.x * n_values;
  float max = kSilentLogMel;  // every value is at least this
  for (int64_t i = threadIdx.x; i < n_values; i += blockDim.x)
    max = fmaxf(max, values[i]);
  maxima[threadIdx.x] = max;
  __syncthreads();
  for (int half = blockDim.x / 2; half > 0; half /= 2) {
    if (threadIdx.x < half)
      maxima[threadIdx.x] = fmaxf(maxima[threadIdx.x], maxima[threadIdx.x + half]);
    __syncthreads();
  }
  const float floor = maxima[0] - kDynamicRange;
  for (int64_t i = threadIdx.x; i < n_values; i += blockDim.x)
    values[i] = (fmaxf(values[i], floor) + kLogMelOffset) / kLogMelScale;
}

}  // namespace

void FillLogMelTables(int n_mels, const char* operation, LogMelTables* tables) {
  CheckMelBinCount(n_mels, operation);
  const MelFilterBank& bank = WhisperMelFilters(n_mels);
  const double* hann = PeriodicHannWindow();
  const double pi = std::acos(-1.0);
  for (int m = 0; m < kFftSize; ++m) {
    tables->hann_window[m] = hann[m];
    tables->twiddle_cos[m] = std::cos(2.0 * pi * m / kFftSize);
    tables->twiddle_sin[m] = std::sin(2.0 * pi * m / kFftSize);
  }
  tables->n_mels = n_mels;
  std::fill(std::begin(tables->mel_weights), std::end(tables->mel_weights), 0.0f);
  std::copy(bank.weights.begin(), bank.weights.end(), tables->mel_weights);
  std::fill(std::begin(tables->mel_first_bin), std::end(tables->mel_first_bin), 0);
  std::fill(std::begin(tables->mel_end_bin), std::end(tables->mel_end_bin), 0);
  std::copy(bank.first_bin.begin(), bank.first_bin.end(), tables->mel_first_bin);
  std::copy(bank.end_bin.begin(), bank.end_bin.end(), tables->mel_end_bin);
}

void LogMel(const LogMelTables* tables,
            int n_mels,
            const float* samples,
            int64_t n_batch,
            float* out,
            Stream stream) {
  if (n_batch == 0)
    return;
  const auto cuda_stream = static_cast<cudaStream_t>(stream);
  const int64_t n_frame_blocks = n_batch * static_cast<int64_t>(kWindowFrames / kFramesPerBlock);
  LogMelFramesKernel<<<static_cast<unsigned>(n_frame_blocks), kFrameThreads, 0, cuda_stream>>>(tables,
                                                                                               samples, out);
  FloorAndScaleKernel<<<static_cast<unsigned>(n_batch), kWindowThreads, 0, cuda_stream>>>(n_mels, out);
}

}  // namespace verbatim::cuda_kernels
