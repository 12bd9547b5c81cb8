/** Builds model input rows (64 samples of context + one 512-sample window) straight from a whole signal. */

import { CONTEXT_SAMPLES, INPUT_SAMPLES, WINDOW_SAMPLES } from '../constants.js';

/** Windows covering `sampleCount` samples: the last one is zero-padded, as Silero pads it. */
export function windowCount(sampleCount: number): number {
  return Math.ceil(sampleCount / WINDOW_SAMPLES);
}

/**
 * Writes the input row of window `window` into `out` at `offset`: the 64 samples before the window (zeros when the
 * window starts its stream: a fresh stream's context is zero) and the window's 512 samples, zeros past the end.
 */
export function fillWindowRow(
  samples: Float32Array,
  window: number,
  startsStream: boolean,
  out: Float32Array,
  offset: number,
): void {
  const windowStart = window * WINDOW_SAMPLES;
  const rowStart = windowStart - CONTEXT_SAMPLES;
  const from = startsStream ? windowStart : rowStart;
  const to = Math.min(rowStart + INPUT_SAMPLES, samples.length);
  out.fill(0, offset, offset + INPUT_SAMPLES);
  if (to > from) out.set(samples.subarray(from, to), offset + (from - rowStart));
}
