import { N_SAMPLES_PER_TOKEN, SAMPLE_RATE_HZ, Tokenizer } from '@verbatim/core';
import { ChunkTimeMap, mergeChunks, type SpeechSpan } from '@verbatim/vad';
import { describe, expect, it } from 'vitest';
import { placeChunkSegment } from './chunk-placement.js';
import { splitWindowTokens, type WindowSegment } from './window-segments.js';

const tokenizer = Tokenizer.forModel({ vocabSize: 51865 });
const TB = tokenizer.special.timestampBegin;
const s = (seconds: number) => seconds * SAMPLE_RATE_HZ;
const piece = (startStep: number, endStep: number | undefined): WindowSegment => ({
  startStep,
  endStep,
  tokens: [],
});

describe('placeChunkSegment', () => {
  // A chunk made of speech at 1–3 s and 5–6 s, then 10–10.5 s of the original audio: 3.5 s of chunk audio.
  const map = new ChunkTimeMap(
    [
      { startSample: s(1), endSample: s(3) },
      { startSample: s(5), endSample: s(6) },
      { startSample: s(10), endSample: s(10.5) },
    ],
    SAMPLE_RATE_HZ,
  );

  it('maps the timestamp tokens of a hand-built window exactly onto the original timeline', () => {
    const tokens = [
      ...[tokenizer.timestampToken(0.5), ...tokenizer.encode(' one'), tokenizer.timestampToken(1.5)],
      ...[tokenizer.timestampToken(1.5), ...tokenizer.encode(' two'), tokenizer.timestampToken(2.5)],
      ...[tokenizer.timestampToken(2.5), ...tokenizer.encode(' three'), tokenizer.timestampToken(3.26)],
    ];
    const placed = splitWindowTokens(tokens, TB).segments.map((segment) => placeChunkSegment(segment, map));
    expect(placed).toEqual([
      { startSample: s(1.5), endSample: s(2.5) },
      { startSample: s(2.5), endSample: s(5.5) },
      { startSample: s(5.5), endSample: s(10.26) },
    ]);
  });

  it('gives a start on the seam between two spans to the later span and an end to the earlier one', () => {
    // Chunk time 2.00 s is where the first span ends and the second begins.
    expect(placeChunkSegment(piece(0, 100), map)).toEqual({ startSample: s(1), endSample: s(3) });
    expect(placeChunkSegment(piece(100, 150), map)).toEqual({ startSample: s(5), endSample: s(6) });
  });

  it('runs an open segment to the chunk end and clamps times in the zero padding', () => {
    expect(placeChunkSegment(piece(150, undefined), map)).toEqual({ startSample: s(10), endSample: s(10.5) });
    expect(placeChunkSegment(piece(150, 1000), map)).toEqual({ startSample: s(10), endSample: s(10.5) });
  });

  it('drops segments that start in the padding or have no length', () => {
    expect(placeChunkSegment(piece(175, 250), map)).toBeUndefined(); // starts at the chunk's end (3.5 s)
    expect(placeChunkSegment(piece(200, 300), map)).toBeUndefined();
    expect(placeChunkSegment(piece(100, 100), map)).toBeUndefined();
    expect(placeChunkSegment(piece(120, 110), map)).toBeUndefined();
  });

  it('places the segments of a window that starts inside the chunk (a continuation) from that start', () => {
    // Window from chunk time 1.5 s: its 0–1 s is chunk time 1.5–2.5 s, across the seam at 2 s.
    expect(placeChunkSegment(piece(0, 50), map, s(1.5))).toEqual({ startSample: s(2.5), endSample: s(5.5) });
    expect(placeChunkSegment(piece(0, undefined), map, s(3))).toEqual({
      startSample: s(10),
      endSample: s(10.5),
    });
    expect(placeChunkSegment(piece(25, 50), map, s(3))).toBeUndefined(); // starts at the chunk's end
  });

  it('loses and duplicates no speech across chunk boundaries', () => {
    // Speech spans of uneven lengths (one over 30 s, cut by mergeChunks) and gaps, in whole timestamp steps.
    const step = N_SAMPLES_PER_TOKEN;
    const spans: SpeechSpan[] = [];
    let at = 7 * step;
    for (const [speechSteps, gapSteps] of [
      [400, 20],
      [1300, 3],
      [200, 600],
      [1700, 1],
      [90, 40],
      [1600, 25],
      [33, 0],
    ] as const) {
      spans.push({ startSample: at, endSample: at + speechSteps * step });
      at += (speechSteps + gapSteps) * step;
    }
    const chunks = mergeChunks(spans);
    expect(chunks.length).toBeGreaterThan(3);
    // Each chunk's window is cut into segments every 3.7 s (185 steps); the last runs open to the chunk's end.
    const placed = chunks.flatMap((chunk) => {
      const chunkSteps = chunk.timeMap.durationSamples / step;
      const pieces: WindowSegment[] = [];
      for (let start = 0; start < chunkSteps; start += 185) {
        pieces.push(piece(start, start + 185 < chunkSteps ? start + 185 : undefined));
      }
      return pieces.map((segment) => placeChunkSegment(segment, chunk.timeMap)!);
    });
    // Cut the placed segments where they cross gaps: together they are exactly the speech spans, in order.
    const covered: SpeechSpan[] = [];
    for (const { startSample, endSample } of placed) {
      for (const span of spans) {
        const from = Math.max(startSample, span.startSample);
        const to = Math.min(endSample, span.endSample);
        if (from < to) covered.push({ startSample: from, endSample: to });
      }
      expect(spans.some((span) => span.startSample <= startSample && startSample < span.endSample)).toBe(
        true,
      );
      expect(spans.some((span) => span.startSample < endSample && endSample <= span.endSample)).toBe(true);
    }
    const merged: SpeechSpan[] = [];
    for (const span of covered) {
      const last = merged.at(-1);
      expect(last === undefined || span.startSample >= last.endSample).toBe(true); // nothing twice
      if (last !== undefined && last.endSample === span.startSample)
        merged[merged.length - 1] = { ...last, endSample: span.endSample };
      else merged.push(span);
    }
    expect(merged).toEqual(spans);
  });
});
