/**
 * Places a VAD chunk's segments on the original audio's timeline: the decoder's timestamps are times in the chunk's
 * audio (its speech spans concatenated), which the chunk's time map turns back into original times. Arithmetic is in
 * samples, so a timestamp step (320 samples) maps exactly; a segment's start that falls on the seam between two spans
 * goes to the later span and an end on a seam to the earlier one, so nothing of the silence removed between them is
 * claimed by either segment. Pure.
 */

import { N_SAMPLES_PER_TOKEN } from '@verbatim/core';
import type { ChunkTimeMap } from '@verbatim/vad';
import type { WindowSegment } from './window-segments.js';

/** A segment's place in the original audio, in samples (16 kHz). */
export interface PlacedSpan {
  readonly startSample: number;
  readonly endSample: number;
}

/**
 * Where `segment` of a chunk lies in the original audio. Its times are first clamped to the chunk's audio (the rest
 * of the 30 s window is zero padding); undefined when nothing of it is left there (it started at or after the
 * chunk's end, or ends where it starts).
 * @param windowStartSample where the window the segment was decoded in starts in the chunk's audio, in samples: 0
 *   for a chunk's first window, the resume point for a continuation (see chunk-decode-loop.ts).
 */
export function placeChunkSegment(
  segment: WindowSegment,
  timeMap: ChunkTimeMap,
  windowStartSample = 0,
): PlacedSpan | undefined {
  const chunkSamples = timeMap.durationSamples;
  const clamp = (sample: number) => Math.min(Math.max(sample, 0), chunkSamples);
  const start = clamp(windowStartSample + segment.startStep * N_SAMPLES_PER_TOKEN);
  const end =
    segment.endStep === undefined
      ? chunkSamples
      : clamp(windowStartSample + segment.endStep * N_SAMPLES_PER_TOKEN);
  if (end <= start) return undefined;
  return {
    startSample: timeMap.toOriginalSample(start, 'start'),
    endSample: timeMap.toOriginalSample(end, 'end'),
  };
}
