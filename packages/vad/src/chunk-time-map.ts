/**
 * Maps time in a chunk's audio (the chunk's spans of the original signal, concatenated) back to time in the
 * original signal. Inside a span the map is a shift; the gaps removed between spans are added back exactly, because
 * the arithmetic is in samples and only the final division makes seconds.
 */

import { InvalidArgumentError } from '@verbatim/core';
import type { SpeechSpan } from './speech-span.js';

/**
 * Which span owns a chunk time that falls exactly where one span ends and the next begins: 'start' (default) maps it
 * to the start of the later span (right for a segment's start), 'end' to the end of the earlier one (a segment's end).
 */
export type TimeMapEdge = 'start' | 'end';

export class ChunkTimeMap {
  /** Length of the chunk's audio in seconds. */
  readonly durationS: number;
  /** Length of the chunk's audio in samples. */
  readonly durationSamples: number;
  readonly sampleRateHz: number;
  private readonly spans: readonly SpeechSpan[];
  /** localStarts[i]: where spans[i] begins in the chunk's audio, in samples; one more entry at the end. */
  private readonly localStarts: readonly number[];

  /**
   * @param spans the original-signal spans the chunk's audio is made of, in order, not overlapping, none empty.
   * @throws InvalidArgumentError when they are not, or the rate is not a positive number.
   */
  constructor(spans: readonly SpeechSpan[], sampleRateHz: number) {
    if (!(sampleRateHz > 0 && Number.isFinite(sampleRateHz))) {
      throw new InvalidArgumentError(
        `[ChunkTimeMap] sampleRateHz must be a positive number: ${sampleRateHz}`,
      );
    }
    assertOrderedSpans(spans, 'ChunkTimeMap');
    const localStarts = [0];
    for (const span of spans) localStarts.push(localStarts.at(-1)! + (span.endSample - span.startSample));
    this.spans = spans.map((span) => ({ startSample: span.startSample, endSample: span.endSample }));
    this.localStarts = localStarts;
    this.sampleRateHz = sampleRateHz;
    this.durationSamples = localStarts.at(-1)!;
    this.durationS = this.durationSamples / sampleRateHz;
  }

  /**
   * The original time of chunk time `chunkS` (seconds from the start of the chunk's audio). Times outside
   * [0, durationS] are clamped to it first: a decoder's timestamp just past the chunk's end maps to the chunk's end,
   * never into audio the chunk does not hold.
   */
  toOriginalS(chunkS: number, edge: TimeMapEdge = 'start'): number {
    return this.toOriginalSample(chunkS * this.sampleRateHz, edge) / this.sampleRateHz;
  }

  /** As toOriginalS, in samples (fractional positions are kept fractional). */
  toOriginalSample(chunkSample: number, edge: TimeMapEdge = 'start'): number {
    if (Number.isNaN(chunkSample)) {
      throw new InvalidArgumentError(
        `[ChunkTimeMap.toOriginalSample] chunk position must be a number: ${chunkSample}`,
      );
    }
    if (this.spans.length === 0) return 0;
    const position = Math.min(Math.max(chunkSample, 0), this.durationSamples);
    const index = this.spanIndexAt(position, edge);
    return this.spans[index]!.startSample + (position - this.localStarts[index]!);
  }

  /** Binary search: the span whose local range holds `position`, boundaries resolved by `edge`. */
  private spanIndexAt(position: number, edge: TimeMapEdge): number {
    let low = 0;
    let high = this.spans.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      const start = this.localStarts[mid]!;
      if (start < position || (edge === 'start' && start === position)) low = mid;
      else high = mid - 1;
    }
    return low;
  }
}

/** Throws InvalidArgumentError unless every span is whole samples, non-empty, and after the one before it. */
export function assertOrderedSpans(spans: readonly SpeechSpan[], operation: string): void {
  if (!Array.isArray(spans))
    throw new InvalidArgumentError(`[${operation}] spans must be an array: ${String(spans)}`);
  let previousEnd = 0;
  spans.forEach((span, i) => {
    const { startSample, endSample } = span ?? {};
    const whole = Number.isSafeInteger(startSample) && Number.isSafeInteger(endSample);
    if (!whole || startSample < previousEnd || endSample <= startSample) {
      throw new InvalidArgumentError(
        `[${operation}] span ${i} must be whole samples, non-empty, at or after the previous span's end (${previousEnd}): ${JSON.stringify(span)}`,
      );
    }
    previousEnd = endSample;
  });
}
