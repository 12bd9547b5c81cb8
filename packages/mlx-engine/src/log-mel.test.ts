/** The engine's native log-mel against @verbatim/audio's reference recipe, on real recordings. Needs pnpm build. */
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
});
