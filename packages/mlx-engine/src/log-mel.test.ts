/**
 * The engine's native log-mel against @verbatim/audio's reference recipe, on real recordings, and the batch calls built
 * on it (logMelBatch, encodeSamples). Needs pnpm build.
 */
import { logMelSpectrogram } from '@verbatim/audio';
import { loadReferenceClip, loadReferenceFixture } from '@verbatim/reference';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from './load-model.js';
import { type SeededModel, writeSeededModel } from './test-support/seeded-model.js';
import type { WhisperModel } from './whisper-model.js';

/** Largest absolute difference allowed (the reference recipe matches WhisperFeatureExtractor to the same bound). */
const MEL_TOLERANCE = 1e-4;
const fixture = loadReferenceFixture('tiny');

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/** Windows of every kind: empty, one sample, real speech, exactly 30 s, and longer (trimmed). */
function windows(): Float32Array[] {
  const speech = loadReferenceClip(fixture.clips[0]!);
  const long = new Float32Array(600_000);
  for (let i = 0; i < long.length; i++) long[i] = Math.sin(i * 0.013) * 0.3;
  return [new Float32Array(0), Float32Array.of(0.5), speech, long.subarray(0, 480_000), long];
}

/** What logMelBatch() and encodeSamples() refuse at once, and the end of the message naming it. */
const BAD_WINDOWS: [unknown, string][] = [
  [[], 'windows must be an array of 1 to 65536 Float32Arrays: got an Array(0)'],
  [new Float32Array(4), 'windows must be an array of 1 to 65536 Float32Arrays: got Float32Array(4)'],
  [[new Float32Array(4), new Float64Array(4)], 'windows[1] must be a Float32Array: got Float64Array(4)'],
  [[new Float32Array(4), [0.5]], 'windows[1] must be a Float32Array: got an Array(1)'],
];

describe('native log-mel (80 bins)', () => {
  let weights: SeededModel;
  let model: WhisperModel;

  beforeAll(async () => {
    weights = writeSeededModel('tiny', { layout: 'hf', seed: fixture.seed });
    model = await loadModel(weights.path);
  });
  afterAll(async () => {
    await model?.dispose();
    weights?.remove();
  });

  it.each(fixture.clips.map((clip) => [clip.name, clip] as const))(
    `matches logMelSpectrogram within ${MEL_TOLERANCE}: %s`,
    async (_name, clip) => {
      const samples = loadReferenceClip(clip);
      const native = await model.logMel(samples);
      expect(maxAbsDifference(native, logMelSpectrogram(samples, 80))).toBeLessThanOrEqual(MEL_TOLERANCE);
    },
  );

  it('pads silence like the reference: an empty input', async () => {
    const empty = new Float32Array(0);
    expect(maxAbsDifference(await model.logMel(empty), logMelSpectrogram(empty, 80))).toBeLessThanOrEqual(
      MEL_TOLERANCE,
    );
  });

  describe('logMelBatch: a batch in one call', () => {
    it('is bit-identical to logMel() of each window, in order', async () => {
      const batch = windows();
      const together = await model.logMelBatch(batch);
      const perWindow = 80 * 3000;
      expect(together.length).toBe(batch.length * perWindow);
      for (const [i, samples] of batch.entries()) {
        const alone = await model.logMel(samples);
        const slice = Buffer.from(together.buffer, together.byteOffset + i * perWindow * 4, perWindow * 4);
        expect(
          slice.equals(Buffer.from(alone.buffer, alone.byteOffset, alone.byteLength)),
          `window ${i}`,
        ).toBe(true);
      }
    });

    it('feeds encode() as the per-window mels do', async () => {
      const batch = windows().slice(1, 3);
      const together = await model.logMelBatch(batch);
      await using a = await model.encode(together, batch.length);
      const separate = new Float32Array(together.length);
      for (const [i, samples] of batch.entries()) separate.set(await model.logMel(samples), i * 80 * 3000);
      await using b = await model.encode(separate, batch.length);
      expect(await a.toFloat32Array()).toEqual(await b.toFloat32Array());
    });

    it.each(BAD_WINDOWS)('rejects %o at once, naming the value', (value, message) => {
      expect(() => model.logMelBatch(value as Float32Array[])).toThrow(`[logMelBatch] ${message}`);
    });
  });

  describe('encodeSamples: the log-mel and the encoder in one call', () => {
    it('is bit-identical to encode(logMelBatch(windows)) on the CPU', async () => {
      const batch = windows();
      await using together = await model.encodeSamples(batch);
      await using apart = await model.encode(await model.logMelBatch(batch), batch.length);
      expect(together.nBatch).toBe(batch.length);
      const [a, b] = [await together.toFloat32Array(), await apart.toFloat32Array()];
      expect(
        Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
          Buffer.from(b.buffer, b.byteOffset, b.byteLength),
        ),
      ).toBe(true);
    });

    it.each(BAD_WINDOWS)('rejects %o at once, naming the value', (value, message) => {
      expect(() => model.encodeSamples(value as Float32Array[])).toThrow(`[encodeSamples] ${message}`);
    });
  });
});
