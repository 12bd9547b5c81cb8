/**
 * 'vad' mode's decode loop: the first window of every chunk is decoded in batches and, when the model stopped early
 * in a chunk, the chunk is resumed where its text stopped, as the sequential seek loop moves on. A chunk is resumed
 * when its window's last timestamp lies more than MIN_SPEECH_AFTER_S of the chunk's VAD speech before the chunk's
 * end, or when text was left after the window's last timestamp pair (cut by maxNewTokens); the continuation window
 * is the chunk's audio from that timestamp (zero-padded to 30 s), its segments placed at that offset. At most
 * MAX_CONTINUATIONS per chunk, and none after a continuation that added nothing, so a model that keeps stopping
 * cannot loop. Continuations share batches with each other and with chunks not yet decoded, earlier chunks first; a
 * chunk's segments are yielded once it is complete, chunks in time order. Like every chunk's first window, a
 * continuation is prompted with the initial prompt only, not with the chunk's text so far (conditionOnPreviousText):
 * that did not help on the long-form check (benchmarks/LONG-FORM.md). The decoding itself is a function the caller
 * gives, so the loop is tested on hand-built decoder outputs.
 */

import { BatchScheduler } from '@verbatim/batching';
import { N_SAMPLES_PER_TOKEN, SAMPLE_RATE_HZ, type Segment } from '@verbatim/core';
import type { SpeechChunk } from '@verbatim/vad';
import { placeChunkSegment } from './chunk-placement.js';
import type { SeekDecode, SegmentFactory } from './seek-loop.js';
import { splitWindowTokens, type WindowSplit } from './window-segments.js';

/** Continuation windows a chunk may get after its first window. */
export const MAX_CONTINUATIONS = 4;
/**
 * Seconds of the chunk's speech spans (their 0.4 s of padding included) that must remain after a window's last
 * timestamp for the chunk to be resumed there: less is the end of the last words, or the padding, not more speech.
 */
export const MIN_SPEECH_AFTER_S = 1;
const MIN_SPEECH_AFTER_SAMPLES = MIN_SPEECH_AFTER_S * SAMPLE_RATE_HZ;

/** One window to decode. */
export interface ChunkWindow {
  /** 0 for the first window decoded in the run, then 1, 2, … in batch order. */
  readonly index: number;
  /** The chunk, by its index in the run's chunks. */
  readonly chunkIndex: number;
  /** 0: the chunk's first window; 1 to MAX_CONTINUATIONS: its continuations. */
  readonly continuation: number;
  /** Where the window starts in the chunk's audio, in samples (16 kHz): 0, or a whole number of 0.02 s steps. */
  readonly startSample: number;
}

export interface ChunkDecodeLoopOptions {
  /** The run's chunks, in time order. */
  readonly chunks: readonly SpeechChunk[];
  /** Most windows per decodeBatch call. */
  readonly batchSize: number;
  /** The id of `<|0.00|>`. */
  readonly timestampBegin: number;
  /** Decodes windows together: one result per window, in their order. */
  readonly decodeBatch: (windows: readonly ChunkWindow[]) => Promise<readonly SeekDecode[]>;
  readonly buildSegment: SegmentFactory;
  /** Called after a batch that completed chunks, with how many chunks (from the first) are yielded so far. */
  readonly onChunksDone?: (chunksDone: number) => void;
}

/** A chunk's decoding so far. */
interface ChunkState {
  /** Its segments, held until the chunk is complete (ids are given when they are yielded). */
  segments: Segment[];
  complete: boolean;
}

type PendingWindow = Omit<ChunkWindow, 'index'>;

/** The segments of all chunks, in time order, each chunk's as soon as it and the chunks before it are complete. */
export async function* chunkDecodeLoop(options: ChunkDecodeLoopOptions): AsyncGenerator<Segment> {
  const { chunks } = options;
  const states: ChunkState[] = chunks.map(() => ({ segments: [], complete: false }));
  // Earlier chunks first, continuations or not: the chunk that holds the others back is the one finished first.
  const scheduler = new BatchScheduler<PendingWindow>({ batchSize: options.batchSize });
  const submit = (window: PendingWindow) => scheduler.submit(window, -window.chunkIndex);
  for (const chunkIndex of chunks.keys()) submit({ chunkIndex, continuation: 0, startSample: 0 });

  let windowIndex = 0;
  let nextId = 0;
  let chunksDone = 0;
  for (let batch = scheduler.take(); batch.length > 0; batch = scheduler.take()) {
    const windows = batch.map((pending) => ({ ...pending, index: windowIndex++ }));
    const results = await options.decodeBatch(windows);
    for (const [k, window] of windows.entries()) {
      const resumeSample = takeWindow(window, results[k]!, chunks[window.chunkIndex]!, states, options);
      if (resumeSample === undefined) states[window.chunkIndex]!.complete = true;
      else
        submit({
          chunkIndex: window.chunkIndex,
          continuation: window.continuation + 1,
          startSample: resumeSample,
        });
    }
    const before = chunksDone;
    for (; chunksDone < chunks.length && states[chunksDone]!.complete; chunksDone++) {
      const state = states[chunksDone]!;
      for (const segment of state.segments) yield { ...segment, id: nextId++ };
      state.segments = [];
    }
    if (chunksDone > before) options.onChunksDone?.(chunksDone);
  }
}

/**
 * Adds a decoded window's segments to its chunk's state. Returns where the chunk resumes (samples of its audio), or
 * undefined when it is complete.
 */
function takeWindow(
  window: ChunkWindow,
  result: SeekDecode,
  chunk: SpeechChunk,
  states: readonly ChunkState[],
  options: ChunkDecodeLoopOptions,
): number | undefined {
  if (result.silent) return undefined;
  const state = states[window.chunkIndex]!;
  const split = splitWindowTokens(result.tokens, options.timestampBegin);
  let added = 0;
  for (const piece of split.segments) {
    const placed = placeChunkSegment(piece, chunk.timeMap, window.startSample);
    if (placed === undefined) continue;
    const segment = options.buildSegment(
      0,
      placed.startSample / SAMPLE_RATE_HZ,
      placed.endSample / SAMPLE_RATE_HZ,
      piece.tokens,
      result,
    );
    if (segment === undefined) continue;
    // The audio just before a resume point is the end of the last segment: a continuation that opens by saying it
    // again (same words) repeats it rather than adding to it.
    const previous = state.segments.at(-1);
    if (added === 0 && window.continuation > 0 && previous && sameWords(segment.text, previous.text))
      continue;
    state.segments.push(segment);
    added++;
  }
  if (window.continuation >= MAX_CONTINUATIONS || (window.continuation > 0 && added === 0)) return undefined;
  return resumePoint(window, split, result.tokens, chunk, options.timestampBegin);
}

/**
 * Where the chunk resumes after `window`, in samples of its audio, or undefined when it is complete. As in the seek
 * loop, the resume point is the last timestamp pair when text was left after it, else the last segment's end; it
 * must lie strictly after the window's start and before the chunk's end. Text left after the last pair always
 * resumes (it was cut, and is decoded again from there); otherwise only when enough speech remains.
 */
function resumePoint(
  window: ChunkWindow,
  split: WindowSplit,
  tokens: ArrayLike<number>,
  chunk: SpeechChunk,
  timestampBegin: number,
): number | undefined {
  const step = split.advanceStep ?? split.segments.at(-1)?.endStep;
  if (step === undefined) return undefined;
  const resume = window.startSample + step * N_SAMPLES_PER_TOKEN;
  if (resume <= window.startSample || resume >= chunk.timeMap.durationSamples) return undefined;
  // With advanceStep set, the window did not end on a single timestamp: a text token last means text was cut off.
  const textLeft = split.advanceStep !== undefined && tokens[tokens.length - 1]! < timestampBegin;
  return textLeft || speechAfter(chunk, resume) > MIN_SPEECH_AFTER_SAMPLES ? resume : undefined;
}

/** Samples of the chunk's speech spans after `chunkSample` of its audio. */
function speechAfter(chunk: SpeechChunk, chunkSample: number): number {
  const from = chunk.timeMap.toOriginalSample(chunkSample, 'start');
  return chunk.speechSpans.reduce(
    (sum, span) => sum + Math.max(0, span.endSample - Math.max(span.startSample, from)),
    0,
  );
}

/** The same words, case and punctuation aside. */
function sameWords(a: string, b: string): boolean {
  const words = (text: string) =>
    text
      .toLowerCase()
      .split(/[^\p{L}\p{N}']+/u)
      .filter(Boolean)
      .join(' ');
  return words(a) === words(b);
}
