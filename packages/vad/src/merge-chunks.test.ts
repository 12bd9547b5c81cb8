import { InvalidArgumentError } from '@verbatim/core';
import { describe, expect, it } from 'vitest';
import { ChunkTimeMap } from './chunk-time-map.js';
import { chunkAudio, mergeChunks } from './merge-chunks.js';
import type { SpeechSpan } from './speech-span.js';

const span = (startSample: number, endSample: number): SpeechSpan => ({ startSample, endSample });
const ranges = (spans: readonly SpeechSpan[]) => spans.map((s) => [s.startSample, s.endSample]);

// With maxChunkS 1 at 16 kHz a chunk holds at most 16000 samples. D (36000 long) is first cut into 16000 + 16000 + 4000.
const A = span(0, 8000);
const B = span(12000, 18000);
const C = span(20000, 24000);
const D = span(40000, 76000);
const E = span(80000, 81000);

describe('mergeChunks', () => {
  it('packs spans greedily by their concatenated length, gaps removed (default)', () => {
    const chunks = mergeChunks([A, B, C, D, E], { maxChunkS: 1 });
    // [A, B] = 14000; + C would be 18000. [C] + D1 would be 20000. [D1] full. [D2] + D3 would be 20000. [D3, E] = 5000.
    expect(chunks.map((c) => ranges(c.speechSpans))).toEqual([
      [
        [0, 8000],
        [12000, 18000],
      ],
      [[20000, 24000]],
      [[40000, 56000]],
      [[56000, 72000]],
      [
        [72000, 76000],
        [80000, 81000],
      ],
    ]);
    expect(chunks.map((c) => [c.startSample, c.endSample, c.timeMap.durationSamples])).toEqual([
      [0, 18000, 14000],
      [20000, 24000, 4000],
      [40000, 56000, 16000],
      [56000, 72000, 16000],
      [72000, 81000, 5000],
    ]);
    expect(chunks.every((c) => c.sourceSpans === c.speechSpans)).toBe(true);
  });

  it('packs spans by their extent when keepGaps is set (WhisperX)', () => {
    const chunks = mergeChunks([A, B, C, D, E], { maxChunkS: 1, keepGaps: true });
    // [A]: A..B would span 18000. [B, C] spans 12000. D1, D2 alone. [D3, E] spans 9000.
    expect(chunks.map((c) => ranges(c.sourceSpans))).toEqual([
      [[0, 8000]],
      [[12000, 24000]],
      [[40000, 56000]],
      [[56000, 72000]],
      [[72000, 81000]],
    ]);
    expect(chunks[1]!.timeMap.toOriginalS(0.5)).toBe(1.25);
  });

  it('keeps every chunk within 30 s by default and every span in exactly one chunk', () => {
    const spans: SpeechSpan[] = [];
    for (let start = 0, i = 0; spans.length < 200; i++) {
      const length = 1000 + ((i * 7919) % 200_000);
      spans.push(span(start, start + length));
      start += length + 500 + ((i * 104_729) % 30_000);
    }
    const chunks = mergeChunks(spans);
    expect(chunks.every((c) => c.timeMap.durationSamples <= 480_000)).toBe(true);
    const rejoined = chunks.flatMap((c) => c.speechSpans);
    // Pieces of a cut span are adjacent: merging them back gives the input.
    const merged: number[][] = [];
    for (const s of rejoined) {
      const last = merged.at(-1);
      if (last !== undefined && last[1] === s.startSample) last[1] = s.endSample;
      else merged.push([s.startSample, s.endSample]);
    }
    expect(merged).toEqual(ranges(spans));
  });

  it('returns no chunks for no spans and rejects unordered or empty spans', () => {
    expect(mergeChunks([])).toEqual([]);
    expect(() => mergeChunks([B, A])).toThrow(InvalidArgumentError);
    expect(() => mergeChunks([span(5, 5)])).toThrow(/span 0/);
    expect(() => mergeChunks([span(0.5, 5)])).toThrow(InvalidArgumentError);
    expect(() => mergeChunks([A], { maxChunkS: 0 })).toThrow(/maxChunkS/);
  });
});

describe('ChunkTimeMap', () => {
  // Chunk audio = A (local 0..8000) then B (local 8000..14000, original 12000..18000): a 4000-sample gap removed.
  const map = new ChunkTimeMap([A, B], 16000);

  it('maps chunk time to original time, adding back the removed gap exactly', () => {
    expect(map.durationS).toBe(0.875);
    expect(map.toOriginalS(0)).toBe(0);
    expect(map.toOriginalS(0.25)).toBe(0.25);
    expect(map.toOriginalS(0.625)).toBe(0.875); // local 10000 → 12000 + 2000
    expect(map.toOriginalS(0.875)).toBe(1.125);
    expect(map.toOriginalS(0.875, 'end')).toBe(1.125);
  });

  it('resolves the seam between two spans by edge: a start maps forward, an end maps back', () => {
    expect(map.toOriginalS(0.5)).toBe(0.75);
    expect(map.toOriginalS(0.5, 'start')).toBe(0.75);
    expect(map.toOriginalS(0.5, 'end')).toBe(0.5);
  });

  it('clamps times outside the chunk to its ends', () => {
    expect(map.toOriginalS(-1)).toBe(0);
    expect(map.toOriginalS(30)).toBe(1.125);
    expect(() => map.toOriginalS(Number.NaN)).toThrow(InvalidArgumentError);
  });

  it('agrees with chunkAudio sample for sample', () => {
    const original = Float32Array.from({ length: 90_000 }, (_, i) => i);
    const [first, , , , last] = mergeChunks([A, B, C, D, E], { maxChunkS: 1 });
    for (const chunk of [first!, last!]) {
      const audio = chunkAudio(original, chunk);
      expect(audio.length).toBe(chunk.timeMap.durationSamples);
      for (let k = 0; k < audio.length; k++) expect(chunk.timeMap.toOriginalSample(k)).toBe(audio[k]);
      // The last sample of each source span, seen as an end, maps to the end of that span.
      let local = 0;
      for (const s of chunk.sourceSpans) {
        local += s.endSample - s.startSample;
        expect(chunk.timeMap.toOriginalSample(local, 'end')).toBe(s.endSample);
      }
    }
  });

  it('maps non-dyadic times within float rounding of the exact value', () => {
    const odd = new ChunkTimeMap([span(1601, 3203), span(48_017, 64_019)], 16000);
    // local 0.1 s = 1600 samples → 1601 + 1600 = 3201; local 0.2 s = 3200 → 48017 + (3200 − 1602) = 49615.
    expect(odd.toOriginalS(0.1)).toBeCloseTo(3201 / 16000, 12);
    expect(odd.toOriginalS(0.2)).toBeCloseTo(49_615 / 16000, 12);
  });

  it('rejects a bad sample rate, and chunkAudio a span past the audio', () => {
    expect(() => new ChunkTimeMap([A], 0)).toThrow(/sampleRateHz/);
    expect(() => chunkAudio(new Float32Array(100), { sourceSpans: [A] })).toThrow(/past the audio/);
  });
});
