import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { InvalidArgumentError, type MelBinCount, N_SAMPLES_PER_CHUNK } from '@verbatim/core';
import { describe, expect, it } from 'vitest';
import { logMelFrames, logMelSpectrogram } from './log-mel.js';
import { type ClipSource, loadClip, pcmSha256, toFloat32 } from './test-support/speech-clips.js';

/** Parity budget with the float64 numpy reference (includes the fixtures' ≤ 1.53e-5 quantization). */
const TOLERANCE = 1e-4;

interface FixtureManifest {
  clips: Record<string, { sources: ClipSource[]; sampleCount: number; pcmSha256: string }>;
  fixtures: {
    name: string;
    kind: 'window' | 'frames';
    clip: string;
    nMels: MelBinCount;
    nFrames: number;
    storedFrames: number;
    tailValue: number | null;
    file: string;
    offset: number;
    step: number;
  }[];
}

const FIXTURES_URL = new URL('./fixtures/', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('manifest.json', FIXTURES_URL), 'utf8')) as FixtureManifest;

const clipCache = new Map<string, Float32Array>();
function clipSamples(name: string): Float32Array {
  let samples = clipCache.get(name);
  if (samples === undefined) {
    const clip = manifest.clips[name]!;
    const pcm = loadClip(clip.sources);
    // The same samples the script read, or the comparison means nothing.
    expect(pcm.length).toBe(clip.sampleCount);
    expect(pcmSha256(pcm)).toBe(clip.pcmSha256);
    samples = toFloat32(pcm);
    clipCache.set(name, samples);
  }
  return samples;
}

/** The reference values, [nMels][storedFrames] row-major. */
function referenceValues(fixture: FixtureManifest['fixtures'][number]): Float64Array {
  const codes = gunzipSync(readFileSync(new URL(fixture.file, FIXTURES_URL)));
  const values = new Float64Array(codes.length / 2);
  for (let i = 0; i < values.length; i++)
    values[i] = fixture.offset + codes.readUInt16LE(2 * i) * fixture.step;
  return values;
}

/** Largest |actual - reference| over the stored frames, and over the tail frames against the tail value. */
function maxDifference(actual: Float32Array, fixture: FixtureManifest['fixtures'][number]): number {
  const reference = referenceValues(fixture);
  expect(reference.length).toBe(fixture.nMels * fixture.storedFrames);
  let max = 0;
  for (let m = 0; m < fixture.nMels; m++) {
    for (let t = 0; t < fixture.nFrames; t++) {
      const expected =
        t < fixture.storedFrames ? reference[m * fixture.storedFrames + t]! : fixture.tailValue!;
      max = Math.max(max, Math.abs(actual[m * fixture.nFrames + t]! - expected));
    }
  }
  return max;
}

describe('log-mel parity with the float64 numpy WhisperFeatureExtractor recipe', () => {
  // "window" fixtures: logMelSpectrogram (one padded/trimmed 30 s window); "frames": logMelFrames (no padding).
  it.each(manifest.fixtures.map((fixture) => [fixture.name, fixture]))('%s', (_, fixture) => {
    const samples = clipSamples(fixture.clip);
    const actual =
      fixture.kind === 'window'
        ? logMelSpectrogram(samples, fixture.nMels)
        : logMelFrames(samples, fixture.nMels).data;
    expect(actual).toHaveLength(fixture.nMels * fixture.nFrames);
    expect(maxDifference(actual, fixture)).toBeLessThanOrEqual(TOLERANCE);
  });
});

/** Bitwise equality of two float arrays (toEqual walks 240000 elements slowly). */
function sameBits(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

describe('log-mel shapes and arguments', () => {
  it('pads short input and trims long input to one 30 s window', () => {
    const clip = clipSamples('jfk');
    const padded = new Float32Array(N_SAMPLES_PER_CHUNK);
    padded.set(clip);
    expect(sameBits(logMelSpectrogram(clip, 80), logMelFrames(padded, 80).data)).toBe(true);
    const long = new Float32Array(N_SAMPLES_PER_CHUNK + 12_345).fill(0.1);
    long.set(clip);
    const trimmed = long.subarray(0, N_SAMPLES_PER_CHUNK);
    expect(sameBits(logMelSpectrogram(long, 80), logMelSpectrogram(trimmed, 80))).toBe(true);
  });

  it('gives floor(n / 160) frames', () => {
    expect(logMelFrames(new Float32Array(0), 80)).toEqual({
      data: new Float32Array(0),
      nFrames: 0,
      nMels: 80,
    });
    expect(logMelFrames(new Float32Array(159), 128).nFrames).toBe(0);
    expect(logMelFrames(new Float32Array(160), 128).nFrames).toBe(1);
    expect(logMelFrames(new Float32Array(16_000), 80).data).toHaveLength(80 * 100);
  });

  it('maps silence to -1.5 (log10 of the 1e-10 floor, then (x + 4) / 4)', () => {
    const silent = logMelSpectrogram(new Float32Array(0), 128);
    expect(silent.every((value) => value === -1.5)).toBe(true);
  });

  it('rejects mel bin counts other than 80 and 128, naming the value', () => {
    expect(() => logMelSpectrogram(new Float32Array(10), 64 as MelBinCount)).toThrow(InvalidArgumentError);
    expect(() => logMelFrames(new Float32Array(10), 81 as MelBinCount)).toThrow(/nMels .*: 81$/);
  });
});
