// Cross-attention over the audio in one pass: flash-decoding whose "head" is the model's whole width.
//
// The decoder's cross-attention over the audio itself (cuda_cross_attention.cc) folds each head's key
// projection into its query, so every query-head scores the audio's frames directly and takes a weighted sum
// of them: context = softmax(folded · Eᵀ · scale) · E per window, E the window's [frames, width] audio. Done
// as two GEMMs, that reads the audio twice and writes the scores in between; this kernel reads each frame
// of a window once for all of the window's query-heads, keeps scores, softmax weights and the context in
// registers, and splits the frames over blocks only as far as the GPU needs to fill up (a merge kernel then
// adds the splits, deterministically). Separate from cuda_kernels.h, like flash_attention.h: its operands
// are f16.
#pragma once

#include <cstdint>

#include "backend/cuda/cuda_kernels.h"

namespace verbatim::cuda_kernels {

/** A run of windows, each with `queries_per_window` folded query-heads over `n_frames` frames of `width`. */
struct AudioAttentionShape {
  int64_t n_windows = 0;
  int64_t queries_per_window = 0;
  int64_t n_frames = 0;
  int64_t width = 0;
};

/**
 * How many of AudioAttention's blocks for `width` the current device runs at once (multiprocessors × blocks
 * each), after granting its kernel the shared memory it needs; 0 when it does not take `width` (Whisper's
 * 384, 512, 768, 1024 and 1280 it does) or the device's shared memory is too small. Not a stream operation:
 * call it outside graph capture, before AudioAttention.
 */
int AudioAttentionConcurrentBlocks(int64_t width);

/**
 * The most query-heads a window may have for AudioAttention: a block takes up to 24 (widths over 512) or 32,
 * and each further block reads the window's audio again.
 */
constexpr int64_t kAudioAttentionMaxQueries = 128;

/** Scratch floats AudioAttention needs for this shape (0 when the frames are not split). */
int64_t AudioAttentionScratchFloats(const AudioAttentionShape& shape, int concurrent_blocks);

/**
 * context[w·Q + i] = softmax(folded[w·Q + i] · E_wᵀ · score_scale) · E_w for each window w < n_windows and
 * query-head i < Q = queries_per_window, with folded and context [n_windows·Q, width] and audio [n_windows,
 * n_frames, width], all f16 and 16-byte aligned; scores, softmax and sums in f32 (the weights rounded to f16
 * for the tensor cores, as FlashAttention's are). `concurrent_blocks` from AudioAttentionConcurrentBlocks
 * (> 0), Q ≤ kAudioAttentionMaxQueries, n_frames ≥ 1, `scratch` AudioAttentionScratchFloats(…) floats. The
 * launch depends on the shape only, so a captured graph replays it.
 */
void AudioAttention(const AudioAttentionShape& shape,
                    const Half* folded,
                    const Half* audio,
                    float score_scale,
                    int concurrent_blocks,
                    float* scratch,
                    Half* context,
                    Stream stream);

}  // namespace verbatim::cuda_kernels
