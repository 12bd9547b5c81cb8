/**
 * Groups speech spans into chunks of at most `maxChunkS` of audio for the decoder, WhisperX-style: spans are taken in
 * order and a chunk is closed when the next span would push it past the limit. By default a chunk's audio is its
 * spans concatenated (the silences between them removed, as faster-whisper does) and the limit applies to that;
 * with `keepGaps` it is the original audio from the first span's start to the last span's end (WhisperX), and the
 * limit applies to that extent. A span longer than the limit is first cut into limit-long pieces.
 */

import { InvalidArgumentError } from '@verbatim/core';
import { assertOrderedSpans, ChunkTimeMap } from './chunk-time-map.js';
import { VAD_SAMPLE_RATE_HZ } from './constants.js';
import type { SpeechSpan } from './speech-span.js';

export interface MergeChunksOptions {
  /** Most audio per chunk in seconds (default 30: one Whisper window). */
  maxChunkS?: number;
  /** Keep the silences between a chunk's spans in its audio (default false: remove them). */
  keepGaps?: boolean;
  /** Rate of the span positions (default 16000). */
  sampleRateHz?: number;
}

export interface SpeechChunk {
  /** Where the chunk's first span starts in the original signal, in samples. */
  readonly startSample: number;
  /** Where its last span ends (exclusive). */
  readonly endSample: number;
  /** The original-signal ranges the chunk's audio is made of, concatenated in order (one range with keepGaps). */
  readonly sourceSpans: readonly SpeechSpan[];
  /** The speech spans the chunk holds (the input spans, cut at the limit where longer). */
  readonly speechSpans: readonly SpeechSpan[];
  /** Chunk-audio time → original time. */
  readonly timeMap: ChunkTimeMap;
}

/**
 * @param spans speech spans in order, not overlapping (speechTimestamps' spans).
 * @throws InvalidArgumentError for unordered or empty spans, or a limit under one sample.
 */
export function mergeChunks(spans: readonly SpeechSpan[], options: MergeChunksOptions = {}): SpeechChunk[] {
  const { maxChunkS = 30, keepGaps = false, sampleRateHz = VAD_SAMPLE_RATE_HZ } = options;
  assertOrderedSpans(spans, 'mergeChunks');
  if (!(sampleRateHz > 0 && Number.isFinite(sampleRateHz))) {
    throw new InvalidArgumentError(`[mergeChunks] sampleRateHz must be a positive number: ${sampleRateHz}`);
  }
  const maxChunkSamples = Math.floor(maxChunkS * sampleRateHz);
  if (!(maxChunkSamples >= 1)) {
    throw new InvalidArgumentError(`[mergeChunks] maxChunkS must hold at least one sample: ${maxChunkS}`);
  }

  const groups: SpeechSpan[][] = [];
  let current: SpeechSpan[] = [];
  let currentSamples = 0;
  for (const span of cutLongSpans(spans, maxChunkSamples)) {
    const length = span.endSample - span.startSample;
    const grown =
      keepGaps && current.length > 0 ? span.endSample - current[0]!.startSample : currentSamples + length;
    if (current.length > 0 && grown > maxChunkSamples) {
      groups.push(current);
      current = [];
      currentSamples = 0;
    }
    current.push(span);
    currentSamples += length;
  }
  if (current.length > 0) groups.push(current);

  return groups.map((speechSpans) => {
    const startSample = speechSpans[0]!.startSample;
    const endSample = speechSpans.at(-1)!.endSample;
    const sourceSpans = keepGaps ? [{ startSample, endSample }] : speechSpans;
    return {
      startSample,
      endSample,
      sourceSpans,
      speechSpans,
      timeMap: new ChunkTimeMap(sourceSpans, sampleRateHz),
    };
  });
}

function* cutLongSpans(spans: readonly SpeechSpan[], maxSamples: number): Generator<SpeechSpan> {
  for (const span of spans) {
    for (let start = span.startSample; start < span.endSample; start += maxSamples) {
      yield { startSample: start, endSample: Math.min(start + maxSamples, span.endSample) };
    }
  }
}

/**
 * The chunk's audio: its source spans of `samples` (the original signal at the spans' rate), concatenated.
 * @throws InvalidArgumentError when a span reaches past the end of `samples`.
 */
export function chunkAudio(samples: Float32Array, chunk: Pick<SpeechChunk, 'sourceSpans'>): Float32Array {
  const out = new Float32Array(chunk.sourceSpans.reduce((sum, s) => sum + (s.endSample - s.startSample), 0));
  let offset = 0;
  for (const span of chunk.sourceSpans) {
    if (span.endSample > samples.length) {
      throw new InvalidArgumentError(
        `[chunkAudio] span ends past the audio (${samples.length} samples): ${span.endSample}`,
      );
    }
    out.set(samples.subarray(span.startSample, span.endSample), offset);
    offset += span.endSample - span.startSample;
  }
  return out;
}
