import { InvalidArgumentError } from '@verbatim/core';
import { describe, expect, it } from 'vitest';
import { Resampler, resample, resampledLength } from './resampler.js';

const OUTPUT_HZ = 16_000;

function sine(frequencyHz: number, rateHz: number, durationS: number, amplitude = 1): Float32Array {
  const samples = new Float32Array(Math.round(rateHz * durationS));
  for (let i = 0; i < samples.length; i++)
    samples[i] = amplitude * Math.sin((2 * Math.PI * frequencyHz * i) / rateHz);
  return samples;
}

/** The middle half of a signal, away from the edges where the filters see the implicit silence. */
function middle(samples: Float32Array): Float32Array {
  return samples.subarray(Math.floor(samples.length / 4), Math.floor((3 * samples.length) / 4));
}

/** Amplitude of the `frequencyHz` component of `samples` (least squares on sine and cosine over whole periods). */
function amplitudeAt(samples: Float32Array, frequencyHz: number, rateHz: number): number {
  let sinSum = 0;
  let cosSum = 0;
  for (let i = 0; i < samples.length; i++) {
    const phase = (2 * Math.PI * frequencyHz * i) / rateHz;
    sinSum += samples[i]! * Math.sin(phase);
    cosSum += samples[i]! * Math.cos(phase);
  }
  return (2 * Math.hypot(sinSum, cosSum)) / samples.length;
}

function peak(samples: Float32Array): number {
  let max = 0;
  for (const value of samples) max = Math.max(max, Math.abs(value));
  return max;
}

/** Frequency from the first and last upward zero crossings (linearly interpolated) and the number of periods between. */
function zeroCrossingFrequencyHz(samples: Float32Array, rateHz: number): number {
  const crossings: number[] = [];
  for (let i = 1; i < samples.length; i++) {
    const before = samples[i - 1]!;
    const after = samples[i]!;
    if (before < 0 && after >= 0) crossings.push(i - 1 + before / (before - after));
  }
  const periods = crossings.length - 1;
  return (periods * rateHz) / (crossings.at(-1)! - crossings[0]!);
}

const db = (ratio: number): number => 20 * Math.log10(ratio);

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pushInChunks(
  resampler: Resampler,
  input: Float32Array,
  nextChunkLength: () => number,
): Float32Array {
  const parts: Float32Array[] = [];
  for (let start = 0; start < input.length; ) {
    const end = Math.min(input.length, start + nextChunkLength());
    parts.push(resampler.push(input.subarray(start, end)));
    start = end;
  }
  parts.push(resampler.flush());
  return Float32Array.from(parts.flatMap((part) => Array.from(part)));
}

describe('resample', () => {
  it.each([8_000, 11_025, 22_050, 32_000, 44_100, 48_000, 96_000, 44_100.5])(
    'keeps a 1 kHz sine from %d Hz at its frequency, amplitude and phase',
    (fromHz) => {
      const output = resample(sine(1_000, fromHz, 1), fromHz, OUTPUT_HZ);
      const steady = middle(output);
      expect(Math.abs(zeroCrossingFrequencyHz(steady, OUTPUT_HZ) - 1_000)).toBeLessThan(0.01);
      expect(Math.abs(db(amplitudeAt(steady, 1_000, OUTPUT_HZ)))).toBeLessThan(0.1);
      // No filter delay: output k is the input at time k / 16000.
      const ideal = sine(1_000, OUTPUT_HZ, 1);
      const start = Math.floor(output.length / 4);
      let maxError = 0;
      for (let k = start; k < start + steady.length; k++)
        maxError = Math.max(maxError, Math.abs(output[k]! - ideal[k]!));
      expect(maxError).toBeLessThan(1e-3);
    },
  );

  it.each([100, 1_000, 3_000, 5_000, 6_000, 6_500, 7_000])(
    'passes %d Hz from 44.1 kHz within 0.1 dB',
    (frequencyHz) => {
      const steady = middle(resample(sine(frequencyHz, 44_100, 0.5), 44_100, OUTPUT_HZ));
      expect(Math.abs(db(amplitudeAt(steady, frequencyHz, OUTPUT_HZ)))).toBeLessThan(0.1);
    },
  );

  it('attenuates a 7.5 kHz sine from 44.1 kHz below -60 dB', () => {
    const steady = middle(resample(sine(7_500, 44_100, 1), 44_100, OUTPUT_HZ));
    expect(db(peak(steady))).toBeLessThan(-60);
  });

  it.each([
    [44_100, 8_500],
    [44_100, 12_000],
    [44_100, 15_000],
    [44_100, 20_000],
    [48_000, 9_000],
    [48_000, 17_000],
    [32_000, 8_200],
    [96_000, 30_000],
  ])('keeps aliases out: from %d Hz a %d Hz sine is below -60 dB', (fromHz, frequencyHz) => {
    const steady = middle(resample(sine(frequencyHz, fromHz, 1), fromHz, OUTPUT_HZ));
    expect(db(peak(steady))).toBeLessThan(-60);
  });

  it('returns a copy when the rates are equal', () => {
    const input = sine(440, OUTPUT_HZ, 0.01);
    const output = resample(input, OUTPUT_HZ, OUTPUT_HZ);
    expect(output).not.toBe(input);
    expect(output).toEqual(input);
  });

  it('handles empty and one-sample input', () => {
    expect(resample(new Float32Array(0), 44_100, OUTPUT_HZ)).toHaveLength(0);
    expect(resample(Float32Array.of(0.5), 44_100, OUTPUT_HZ)).toHaveLength(0);
    const upsampled = resample(Float32Array.of(0.5), 8_000, OUTPUT_HZ);
    expect(upsampled).toHaveLength(2);
    expect(upsampled.every(Number.isFinite)).toBe(true);
  });

  it.each([44_100, 8_000, 32_000, 44_100.5])('passes DC from %d Hz unchanged', (fromHz) => {
    const steady = middle(resample(new Float32Array(Math.round(fromHz * 0.2)).fill(0.25), fromHz, OUTPUT_HZ));
    for (const value of steady) expect(Math.abs(value - 0.25)).toBeLessThan(1e-6);
  });

  it('rejects rates that are not positive finite numbers, naming the value', () => {
    for (const bad of [0, -16_000, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => resample(new Float32Array(4), bad, OUTPUT_HZ)).toThrow(InvalidArgumentError);
      expect(() => resample(new Float32Array(4), OUTPUT_HZ, bad)).toThrow(String(bad));
      expect(() => new Resampler(bad, OUTPUT_HZ)).toThrow(InvalidArgumentError);
      expect(() => resampledLength(10, OUTPUT_HZ, bad)).toThrow(InvalidArgumentError);
    }
  });
});

describe('resampledLength', () => {
  it('is round(n * to / from) with halves rounded up', () => {
    expect(resampledLength(44_100, 44_100, OUTPUT_HZ)).toBe(16_000);
    expect(resampledLength(1, 44_100, OUTPUT_HZ)).toBe(0);
    expect(resampledLength(3, 44_100, OUTPUT_HZ)).toBe(1);
    expect(resampledLength(1, 8_000, OUTPUT_HZ)).toBe(2);
    expect(resampledLength(1, 32_000, OUTPUT_HZ)).toBe(1); // 0.5 rounds up
    expect(resampledLength(3, 48_000, OUTPUT_HZ)).toBe(1);
    expect(resampledLength(0, 48_000, OUTPUT_HZ)).toBe(0);
    expect(resampledLength(1_000, 44_100.5, OUTPUT_HZ)).toBe(Math.round((1_000 * 16_000) / 44_100.5));
    expect(resampledLength(123, OUTPUT_HZ, OUTPUT_HZ)).toBe(123);
  });

  it('matches what resample() returns', () => {
    for (const fromHz of [8_000, 11_025, 32_000, 44_100, 48_000, 44_100.5]) {
      for (const n of [0, 1, 2, 3, 5, 441, 1_000, 4_411]) {
        expect(resample(new Float32Array(n), fromHz, OUTPUT_HZ)).toHaveLength(
          resampledLength(n, fromHz, OUTPUT_HZ),
        );
      }
    }
  });
});

describe('Resampler', () => {
  const noise = (length: number, seed: number): Float32Array => {
    const random = seededRandom(seed);
    return Float32Array.from({ length }, () => random() * 2 - 1);
  };

  it.each([
    [44_100, 16_000],
    [48_000, 16_000],
    [22_050, 16_000],
    [11_025, 16_000],
    [8_000, 16_000],
    [32_000, 16_000],
    [96_000, 16_000],
    [16_000, 44_100],
    [44_100.5, 16_000],
    [16_000, 16_000],
  ])('gives the one-shot output bit for bit when %d → %d Hz arrives in random chunks', (fromHz, toHz) => {
    const input = noise(Math.round(fromHz * 0.7), 7);
    const oneShot = resample(input, fromHz, toHz);
    const random = seededRandom(fromHz);
    for (const maxChunk of [3, 100, 5_000, 40_000]) {
      const chunked = pushInChunks(
        new Resampler(fromHz, toHz),
        input,
        () => 1 + Math.floor(random() * maxChunk),
      );
      expect(chunked).toEqual(oneShot);
    }
  });

  it('gives the one-shot output bit for bit from one-sample chunks, and is reusable after flush()', () => {
    const input = noise(3_000, 11);
    const resampler = new Resampler(44_100, OUTPUT_HZ);
    expect(pushInChunks(resampler, input, () => 1)).toEqual(resample(input, 44_100, OUTPUT_HZ));
    expect(pushInChunks(resampler, input, () => 1)).toEqual(resample(input, 44_100, OUTPUT_HZ));
  });

  it('handles empty streams, empty chunks and single samples', () => {
    const resampler = new Resampler(8_000, OUTPUT_HZ);
    expect(resampler.flush()).toHaveLength(0);
    expect(resampler.push(new Float32Array(0))).toHaveLength(0);
    const first = resampler.push(Float32Array.of(0.5));
    const rest = resampler.flush();
    expect(first.length + rest.length).toBe(2);
    expect([...first, ...rest]).toEqual([...resample(Float32Array.of(0.5), 8_000, OUTPUT_HZ)]);
  });

  it('copies chunks through when the rates are equal', () => {
    const resampler = new Resampler(OUTPUT_HZ, OUTPUT_HZ);
    const chunk = Float32Array.of(1, 2, 3);
    const out = resampler.push(chunk);
    expect(out).not.toBe(chunk);
    expect(out).toEqual(chunk);
    expect(resampler.flush()).toHaveLength(0);
  });
});
