/**
 * The engine's native decoding against transformers' `generate` (tools/reference fixtures, seeded tiny and base,
 * fp32, greedy, max_new_tokens 48, timestamps on and off, language given and detected): token-identical on every
 * short clip, and the language probabilities within fp32 tolerance. Needs the engine built (pnpm build).
 *
 * What `generate` (transformers 5.17, WhisperGenerationMixin) did with these 30 s windows, and what
 * generateLikeTransformers() repeats with model.decode():
 * - It decodes through its seek loop even for one window (`force_unique_generate_call` is off): the window's log-mel
 *   from frame `seek` to its end, zero-padded back to 3000 frames, is encoded and decoded greedily from the start
 *   tokens `<|startoftranscript|> <|lang|> <|transcribe|>` (+ `<|notimestamps|>` without timestamps), with
 *   `suppress_tokens` at every position, `begin_suppress_tokens` (" ", `<|endoftext|>`) at the first, and with
 *   timestamps WhisperTimeStampLogitsProcessor (max_initial_timestamp_index 50). Without timestamps nothing
 *   suppresses timestamp tokens, so random weights emit them there too.
 * - A detected language is detected once, on the first window (seek 0), and kept for the later ones.
 * - Each call's tokens (without `<|endoftext|>`) are cut as `_retrieve_segment` cuts them: when two timestamps
 *   follow each other somewhere, the tokens up to the last such pair are kept (all of them when the sequence ends
 *   with a lone timestamp) and `seek` moves to the pair's first timestamp (index × 2 frames; to the window's end
 *   after a lone final timestamp); otherwise every token is kept and `seek` moves to the window's end.
 * - The loop runs until every clip's `seek` reaches 3000 frames; the kept tokens of all calls are concatenated and
 *   padded with `<|endoftext|>` to the batch's longest. That is why sequences can be longer than max_new_tokens.
 */
import {
  checkParity,
  firstTokenMismatch,
  generationConfigJson,
  loadReferenceFixture,
  type ReferenceArchitecture,
  SpecialTokens,
} from '@verbatim/reference';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecodeOptions } from './decode-options.js';
import { loadModel } from './load-model.js';
import { type SeededModel, writeSeededModel } from './test-support/seeded-model.js';
import { referenceMel } from './test-support/teacher-forcing.js';
import type { WhisperModel } from './whisper-model.js';

const ARCHITECTURE_TIMEOUT_MS = 600_000;
/** log-mel frames in a 30 s window, and per timestamp step (0.02 s = 2 frames of 10 ms). */
const WINDOW_FRAMES = 3000;
const FRAMES_PER_TIMESTAMP = 2;
/** More seek rounds than any fixture needed: a loop that stops advancing fails instead of hanging. */
const MAX_SEEK_ROUNDS = 30;

/** The window's log-mel from `seek` on, zero-padded to 3000 frames (transformers' _get_input_segment). */
function melFrom(mel: Float32Array, nMels: number, seek: number): Float32Array {
  const out = new Float32Array(nMels * WINDOW_FRAMES);
  for (let bin = 0; bin < nMels; bin++) {
    out.set(mel.subarray(bin * WINDOW_FRAMES + seek, (bin + 1) * WINDOW_FRAMES), bin * WINDOW_FRAMES);
  }
  return out;
}

/** transformers' _retrieve_segment: the tokens kept from one call and how far seek moves. */
function retrieveSegment(tokens: readonly number[], timestampBegin: number, seekFrames: number) {
  const isTimestamp = tokens.map((token) => token >= timestampBegin);
  const singleEnding = tokens.length >= 2 && !isTimestamp.at(-2) && isTimestamp.at(-1) === true;
  let lastPair = -1;
  for (let i = 0; i + 1 < tokens.length; i++) if (isTimestamp[i] && isTimestamp[i + 1]) lastPair = i;
  if (lastPair < 0 || singleEnding) return { kept: [...tokens], advance: seekFrames };
  return {
    kept: tokens.slice(0, lastPair + 2),
    advance: (tokens[lastPair]! - timestampBegin) * FRAMES_PER_TIMESTAMP,
  };
}

interface GenerateMode {
  readonly timestamps: boolean;
  /** Per clip: the language token, or undefined to detect it. */
  readonly languages: readonly (number | undefined)[];
}

/** Every clip's tokens as transformers' generate produced them for one batch (see the file's comment). */
async function generateLikeTransformers(
  model: WhisperModel,
  mels: readonly Float32Array[],
  mode: GenerateMode,
  suppressTokens: readonly number[],
  maxNewTokens: number,
): Promise<number[][]> {
  const special = model.info.specialTokens!;
  const { nMels } = model.info.dims;
  const seek = mels.map(() => 0);
  const languages = [...mode.languages];
  const out: number[][] = mels.map(() => []);
  for (let round = 0; seek.some((frames) => frames < WINDOW_FRAMES); round++) {
    expect(round, 'seek rounds').toBeLessThan(MAX_SEEK_ROUNDS);
    const active = seek.flatMap((frames, clip) => (frames < WINDOW_FRAMES ? [clip] : []));
    const batch = new Float32Array(active.length * nMels * WINDOW_FRAMES);
    for (const [row, clip] of active.entries()) {
      batch.set(melFrom(mels[clip]!, nMels, seek[clip]!), row * nMels * WINDOW_FRAMES);
    }
    await using audio = await model.encode(batch, active.length);
    const options: DecodeOptions = {
      timestamps: mode.timestamps,
      windows: active.map((clip) => ({ languageToken: languages[clip] })),
      maxNewTokens,
      temperatures: [0],
      suppressTokens,
      compressionRatioThreshold: null,
      logprobThreshold: null,
      noSpeechThreshold: null,
    };
    const results = await model.decode(audio, options);
    for (const [row, clip] of active.entries()) {
      const result = results[row]!;
      languages[clip] ??= result.languageToken;
      const { kept, advance } = retrieveSegment(
        [...result.tokens],
        special.timestampBegin,
        WINDOW_FRAMES - seek[clip]!,
      );
      out[clip]!.push(...kept);
      seek[clip]! += advance;
    }
  }
  return out;
}

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

    const modes = [
      ['notimestamps', 'language_given'],
      ['notimestamps', 'language_detected'],
      ['timestamps', 'language_given'],
      ['timestamps', 'language_detected'],
    ] as const;
    it.each(modes)(
      'generate f32 %s %s: every clip token-identical',
      async (timestampsMode, languageMode) => {
        const tokens = new SpecialTokens(model.info.dims.nVocab);
        const config = generationConfigJson(arch) as { suppress_tokens: number[] };
        const clips = fixture.clips.slice(0, mels.length);
        const languages = clips.map((clip) =>
          languageMode === 'language_given'
            ? tokens.languageId(tokens.languages.includes(clip.lang) ? clip.lang : 'en')
            : undefined,
        );
        const actual = await generateLikeTransformers(
          model,
          mels,
          { timestamps: timestampsMode === 'timestamps', languages },
          config.suppress_tokens,
          fixture.generate.maxNewTokens,
        );
        const rows = fixture.generate.sequences[`f32/${timestampsMode}/${languageMode}`]!;
        expect(rows.length).toBe(clips.length);
        for (const [clip, row] of rows.entries()) {
          const expected = [...row];
          while (expected.at(-1) === tokens.endOfText) expected.pop();
          expect(firstTokenMismatch(actual[clip]!, expected), `${arch} ${clips[clip]!.name}`).toBe(-1);
          expect(actual[clip]).toEqual(expected);
        }
      },
      ARCHITECTURE_TIMEOUT_MS,
    );
  },
);
