import { SAMPLE_RATE_HZ, type Segment } from '@verbatim/core';
import { mergeChunks, type SpeechChunk } from '@verbatim/vad';
import { describe, expect, it } from 'vitest';
import { buildSegment } from './build-segment.js';
import {
  type ChunkDecodeLoopOptions,
  type ChunkWindow,
  chunkDecodeLoop,
  MAX_CONTINUATIONS,
} from './chunk-decode-loop.js';
import type { SeekDecode } from './seek-loop.js';
import { decoded, text, tokenizer, ts } from './test-support/hand-decoded.js';

const s = (seconds: number) => Math.round(seconds * SAMPLE_RATE_HZ);

/** Chunks of speech spans given in seconds of the original audio (merged as the pipeline merges them). */
function chunksOf(spansS: readonly (readonly [number, number])[]): SpeechChunk[] {
  return mergeChunks(spansS.map(([start, end]) => ({ startSample: s(start), endSample: s(end) })));
}

/**
 * Runs the loop on `chunks` with the decoder's results given by chunk and continuation (`results[chunk][k]` for the
 * chunk's k-th window); returns the segments, the batches it decoded and a log of batches, segments and progress.
 */
async function run(
  chunks: readonly SpeechChunk[],
  results: readonly (readonly SeekDecode[])[],
  options: Partial<ChunkDecodeLoopOptions> = {},
) {
  const batches: ChunkWindow[][] = [];
  const log: string[] = [];
  const segments: Segment[] = [];
  const loop = chunkDecodeLoop({
    chunks,
    batchSize: 8,
    timestampBegin: tokenizer.special.timestampBegin,
    buildSegment: (id, startS, endS, tokens, scores) =>
      buildSegment(id, startS, endS, tokens, scores, tokenizer),
    decodeBatch: async (windows) => {
      batches.push([...windows]);
      log.push(`batch ${windows.map((w) => `${w.chunkIndex}.${w.continuation}`).join(' ')}`);
      return windows.map((w) => {
        const result = results[w.chunkIndex]?.[w.continuation];
        if (result === undefined)
          throw new Error(`unexpected window ${w.continuation} of chunk ${w.chunkIndex}`);
        return result;
      });
    },
    onChunksDone: (done) => log.push(`done ${done}`),
    ...options,
  });
  for await (const segment of loop) {
    segments.push(segment);
    log.push(`segment ${segment.id}`);
  }
  return { segments, batches, log };
}

const brief = (segment: Segment) => [segment.id, segment.startS, segment.endS, segment.text];
/** Where each window started (seconds of its chunk's audio), by chunk and continuation. */
const starts = (batches: ChunkWindow[][]) =>
  batches.flat().map((w) => [w.chunkIndex, w.continuation, w.startSample / SAMPLE_RATE_HZ]);

describe('chunkDecodeLoop', () => {
  // One chunk of 25 s of speech: 2–12 s and 15–30 s of the original audio (chunk time 10 s is the seam).
  const gapped = chunksOf([
    [2, 12],
    [15, 30],
  ]);

  it('resumes a chunk whose text stops at 8 s with speech to 25 s from 8 s, and places the rest on the original timeline', async () => {
    const first = [ts(0), ...text(' Hello there.'), ts(4), ts(4), ...text(' The world.'), ts(8)];
    const second = [ts(0), ...text(' Again.'), ts(1.5), ts(3), ...text(' Across the gap.'), ts(5), ts(5)];
    const third = [ts(0), ...text(' The end.'), ts(12)];
    const { segments, batches } = await run(gapped, [[decoded(first), decoded(second), decoded(third)]]);
    expect(gapped).toHaveLength(1);
    expect(segments.map(brief)).toEqual([
      [0, 2, 6, ' Hello there.'],
      [1, 6, 10, ' The world.'],
      // The continuation starts at chunk time 8 s (original 10 s): 8–9.5 s.
      [2, 10, 11.5, ' Again.'],
      // Chunk time 11–13 s: after the seam at 10 s, so original 16–18 s.
      [3, 16, 18, ' Across the gap.'],
      // The second continuation starts at 8 + 5 = 13 s and runs to the chunk's end.
      [4, 18, 30, ' The end.'],
    ]);
    expect(batches).toEqual([
      [{ index: 0, chunkIndex: 0, continuation: 0, startSample: 0 }],
      [{ index: 1, chunkIndex: 0, continuation: 1, startSample: s(8) }],
      [{ index: 2, chunkIndex: 0, continuation: 2, startSample: s(13) }],
    ]);
  });

  it('does not resume a chunk whose text ends at its speech end, nor a silent one', async () => {
    // Chunks of 25, 20 and 15 s.
    const chunks = chunksOf([
      [0, 25],
      [40, 60],
      [80, 95],
    ]);
    expect(chunks).toHaveLength(3);
    const { segments, batches } = await run(chunks, [
      // Ends 1 s before the chunk's end: exactly the threshold, not more.
      [decoded([ts(0), ...text(' Whole chunk.'), ts(24), ts(24)])],
      [decoded([ts(0), ...text(' Twenty seconds.'), ts(19.5)])],
      [decoded([ts(0), ...text(' Never seen.'), ts(1)], { silent: true })],
    ]);
    expect(segments.map(brief)).toEqual([
      [0, 0, 24, ' Whole chunk.'],
      [1, 40, 59.5, ' Twenty seconds.'],
    ]);
    expect(starts(batches)).toEqual([
      [0, 0, 0],
      [1, 0, 0],
      [2, 0, 0],
    ]);
  });

  it('decodes again text cut off after the last timestamp pair, however little speech is left', async () => {
    const chunks = chunksOf([[0, 10]]);
    const { segments, batches } = await run(chunks, [
      [
        decoded([ts(0), ...text(' One.'), ts(9.5), ts(9.5), ...text(' Two')]),
        decoded([ts(0), ...text(' Two.'), ts(0.5)]),
      ],
    ]);
    expect(segments.map(brief)).toEqual([
      [0, 0, 9.5, ' One.'],
      [1, 9.5, 10, ' Two.'],
    ]);
    expect(starts(batches)).toEqual([
      [0, 0, 0],
      [0, 1, 9.5],
    ]);
  });

  it(`stops after ${MAX_CONTINUATIONS} continuations of a chunk that keeps stopping early`, async () => {
    const chunks = chunksOf([[0, 30]]);
    const stopsAfterOneSecond = Array.from({ length: 10 }, (_, k) =>
      decoded([ts(0), ...text(` Word ${k}.`), ts(1)]),
    );
    const { segments, batches } = await run(chunks, [stopsAfterOneSecond]);
    expect(starts(batches)).toEqual([
      [0, 0, 0],
      [0, 1, 1],
      [0, 2, 2],
      [0, 3, 3],
      [0, 4, 4],
    ]);
    expect(segments.map(brief)).toEqual([
      [0, 0, 1, ' Word 0.'],
      [1, 1, 2, ' Word 1.'],
      [2, 2, 3, ' Word 2.'],
      [3, 3, 4, ' Word 3.'],
      [4, 4, 5, ' Word 4.'],
    ]);
  });

  it('keeps the time order across chunks whose continuations finish in different batches', async () => {
    // Four chunks of 20 s (40 s apart); two windows per batch.
    const chunks = chunksOf([
      [0, 20],
      [40, 60],
      [80, 100],
      [120, 140],
    ]);
    const closed = (from: number, to: number, words: string) => decoded([ts(from), ...text(words), ts(to)]);
    const { segments, log } = await run(
      chunks,
      [
        [closed(0, 5, ' A1.'), closed(0, 5, ' A2.'), closed(0, 10, ' A3.')],
        [closed(0, 20, ' B.')],
        [closed(0, 12, ' C1.'), closed(0, 8, ' C2.')],
        [closed(0, 20, ' D.')],
      ],
      { batchSize: 2 },
    );
    // Chunk 0's continuations go before the chunks not yet decoded; B and C wait for A, D for C's continuation.
    expect(log).toEqual([
      'batch 0.0 1.0',
      'batch 0.1 2.0',
      'batch 0.2 2.1',
      'segment 0',
      'segment 1',
      'segment 2',
      'segment 3',
      'segment 4',
      'segment 5',
      'done 3',
      'batch 3.0',
      'segment 6',
      'done 4',
    ]);
    expect(segments.map(brief)).toEqual([
      [0, 0, 5, ' A1.'],
      [1, 5, 10, ' A2.'],
      [2, 10, 20, ' A3.'],
      [3, 40, 60, ' B.'],
      [4, 80, 92, ' C1.'],
      [5, 92, 100, ' C2.'],
      [6, 120, 140, ' D.'],
    ]);
  });

  it('drops a continuation that repeats the last segment, and stops when nothing new comes', async () => {
    const chunks = chunksOf([
      [0, 25],
      [40, 65],
    ]);
    const hello = [ts(0), ...text(' Hello there.'), ts(8)];
    const { segments, batches } = await run(chunks, [
      // The continuation says the last segment again, and nothing else: the chunk is complete.
      [decoded(hello), decoded([ts(0), ...text(' hello there'), ts(2)])],
      // The continuation opens with the last segment again, then goes on: only the new text is kept.
      [
        decoded(hello),
        decoded([ts(0), ...text(' Hello, there!'), ts(1), ts(1), ...text(' New words.'), ts(17)]),
      ],
    ]);
    expect(segments.map(brief)).toEqual([
      [0, 0, 8, ' Hello there.'],
      [1, 40, 48, ' Hello there.'],
      [2, 49, 65, ' New words.'],
    ]);
    expect(starts(batches)).toEqual([
      [0, 0, 0],
      [1, 0, 0],
      [0, 1, 8],
      [1, 1, 8],
    ]);
  });

  it('decodes nothing for no chunks', async () => {
    const { segments, log } = await run([], []);
    expect(segments).toEqual([]);
    expect(log).toEqual([]);
  });
});
