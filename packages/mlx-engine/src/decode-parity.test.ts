/**
 * The engine's native decoding against transformers' `generate` (tools/reference fixtures, seeded tiny and base,
 * fp32, greedy, max_new_tokens 48, timestamps on and off, language given and detected): token-identical on every
 * short clip, and the language probabilities within fp32 tolerance. Needs the engine built (pnpm build).
 *
 * What `generate` did with these windows, and how generateLikeTransformers() repeats it with model.decode():
 * @verbatim/reference's fixtures/generate-like-transformers.ts.
 */
import {
  checkParity,
  firstTokenMismatch,
  GENERATE_MODES,
  generateFixtureMode,
  loadReferenceFixture,
  type ReferenceArchitecture,
} from '@verbatim/reference';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from './load-model.js';
import { type SeededModel, writeSeededModel } from './test-support/seeded-model.js';
import { referenceMel } from './test-support/teacher-forcing.js';
import type { WhisperModel } from './whisper-model.js';

const ARCHITECTURE_TIMEOUT_MS = 600_000;

describe.each(['tiny', 'base'] as const)(
  'decode() against transformers generate: %s',
  (arch: ReferenceArchitecture) => {
    const fixture = loadReferenceFixture(arch);
    let weights: SeededModel;
    let model: WhisperModel;
    let mels: Float32Array[];

    beforeAll(async () => {
      weights = writeSeededModel(arch, { layout: 'hf', seed: fixture.seed });
      model = await loadModel(weights.path);
      // The fixture's generate ran on the ten short clips (the long one is long-form only).
      mels = fixture.clips
        .filter((clip) => !clip.name.startsWith('long:'))
        .map((clip) => referenceMel(model, clip));
    }, ARCHITECTURE_TIMEOUT_MS);

    afterAll(async () => {
      await model?.dispose();
      weights?.remove();
    });

    it('language probabilities after <|startoftranscript|> of every window', async () => {
      const reference = fixture.languageProbs!;
      const batch = new Float32Array(mels.length * mels[0]!.length);
      for (const [i, mel] of mels.entries()) batch.set(mel, i * mel.length);
      await using audio = await model.encode(batch, mels.length);
      const probabilities = await model.detectLanguage(audio);
      const flat = new Float32Array(probabilities.length * reference.languages.length);
      for (const [i, row] of probabilities.entries()) flat.set(row, i * row.length);
      const result = checkParity(`${arch} language probabilities`, flat, reference.values, 'f32');
      expect(result.ok, result.message).toBe(true);
    });

    it.each(GENERATE_MODES)(
      'generate f32 %s %s: every clip token-identical',
      async (timestampsMode, languageMode) => {
        const { actual, expected } = await generateFixtureMode(model, mels, fixture, 'f32', [
          timestampsMode,
          languageMode,
        ]);
        expect(expected.length).toBe(mels.length);
        for (const [clip, tokens] of expected.entries()) {
          const name = `${arch} ${fixture.clips[clip]!.name}`;
          expect(firstTokenMismatch(actual[clip]!, tokens), name).toBe(-1);
          expect(actual[clip]).toEqual(tokens);
        }
      },
      ARCHITECTURE_TIMEOUT_MS,
    );
  },
);
