/**
 * Parity with the reference (transformers on the same seeded weights, tools/reference): for every CI architecture,
 * the encoder output at the fixture's frames and the teacher-forced logits of every clip within relative L2 1e-4
 * (fp32); for tiny also batched encoding and decoding with a truncated sequence. Needs the engine built
 * (pnpm build); writes each architecture's weights to a temporary folder (small: about 1 GB).
 */
import {
  CI_ARCHITECTURES,
  checkParity,
  firstTokenMismatch,
  generationConfigJson,
  loadReferenceFixture,
  type ParityResult,
  type ReferenceArchitecture,
  SpecialTokens,
  type TopKLogits,
} from '@verbatim/reference';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EncoderOutput } from './encoder-output.js';
import { loadModel } from './load-model.js';
import { detectedLanguageToken, type GreedyRules, greedyTokens } from './test-support/greedy.js';
import { type SeededModel, writeSeededModel } from './test-support/seeded-model.js';
import { gatherTopK, logSumExpRows, referenceMel, selectRows } from './test-support/teacher-forcing.js';
import type { WhisperModel } from './whisper-model.js';

/** Writing, loading and running small's 11 windows on 2 cores takes a while. */
const ARCHITECTURE_TIMEOUT_MS = 600_000;
/** Top-1 gaps smaller than this (relative to the top logit) are near-ties that may flip within tolerance. */
const NEAR_TIE = 1e-3;

function expectAllWithin(results: readonly ParityResult[]): void {
  const outside = results.filter((result) => !result.ok).map((result) => result.message);
  expect(outside, results.map((result) => result.message).join('\n')).toEqual([]);
}

/** Rows [first, first + count) of a fixture's top-k summary. */
function topKRows(reference: TopKLogits, first: number, count: number) {
  const k = reference.topkIds.length / reference.prompt.length;
  return {
    k,
    ids: reference.topkIds.subarray(first * k, (first + count) * k),
    values: reference.topkValues.subarray(first * k, (first + count) * k),
    logsumexp: reference.logsumexp.subarray(first, first + count),
  };
}

/** Positions whose argmax differs from the reference's top-1 id, leaving out near-ties. */
function greedyMismatches(
  logits: Float32Array,
  nVocab: number,
  ids: Int32Array,
  values: Float32Array,
  k: number,
) {
  const mismatches: number[] = [];
  for (let row = 0; row < ids.length / k; row++) {
    const top = values[row * k]!;
    if (top - values[row * k + 1]! < NEAR_TIE * Math.max(1, Math.abs(top))) continue;
    const logitsRow = logits.subarray(row * nVocab, (row + 1) * nVocab);
    const argmax = logitsRow.indexOf(logitsRow.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY));
    if (argmax !== ids[row * k]) mismatches.push(row);
  }
  return mismatches;
}

/**
 * Compares `logits` ([count, nVocab]) with the reference's rows [first, first + count): top-k values at the
 * reference's ids, logsumexp, argmax; returns the parity results.
 */
function compareRows(
  name: string,
  logits: Float32Array,
  nVocab: number,
  reference: TopKLogits,
  first: number,
): ParityResult[] {
  const count = logits.length / nVocab;
  const { k, ids, values, logsumexp } = topKRows(reference, first, count);
  expect(greedyMismatches(logits, nVocab, ids, values, k), `${name} argmax`).toEqual([]);
  return [
    checkParity(`${name} top-${k} logits`, gatherTopK(logits, nVocab, ids, k), values, 'f32'),
    checkParity(`${name} logsumexp`, logSumExpRows(logits, nVocab), logsumexp, 'f32'),
  ];
}

describe.each(CI_ARCHITECTURES)('parity with transformers: %s', (arch: ReferenceArchitecture) => {
  const fixture = loadReferenceFixture(arch);
  const clipName = (index: number) => `${arch} ${fixture.clips[index]!.name}`;
  let weights: SeededModel;
  let model: WhisperModel;
  let mels: Float32Array[];
  /** Each clip's first window through the encoder on its own (batch 1). */
  let outputs: EncoderOutput[];

  beforeAll(async () => {
    weights = writeSeededModel(arch, { layout: 'hf', seed: fixture.seed });
    model = await loadModel(weights.path);
    mels = fixture.clips.map((clip) => referenceMel(model, clip));
    outputs = await Promise.all(mels.map((mel) => model.encode(mel, 1)));
  }, ARCHITECTURE_TIMEOUT_MS);

  afterAll(async () => {
    await model?.dispose();
    weights?.remove();
  });

  it('encoder output at the fixture frames (and the whole first window for tiny)', async () => {
    const { frames, clips, values, fullFirstClip } = fixture.encoder;
    const { nAudioState: width } = model.info.dims;
    const results: ParityResult[] = [];
    for (const [position, clipIndex] of clips.entries()) {
      const actual = await outputs[clipIndex]!.toFloat32Array();
      const expected = values.subarray(
        position * frames.length * width,
        (position + 1) * frames.length * width,
      );
      results.push(
        checkParity(`${clipName(clipIndex)} encoder`, selectRows(actual, width, frames), expected, 'f32'),
      );
      if (clipIndex === 0 && fullFirstClip !== undefined) {
        results.push(checkParity(`${arch} encoder, whole first window`, actual, fullFirstClip, 'f32'));
      }
    }
    expectAllWithin(results);
  });

  it(
    'teacher-forced logits of every position: full rows, top-k values, logsumexp, argmax',
    async () => {
      const { nVocab } = model.info.dims;
      const results: ParityResult[] = [];
      for (const [clipIndex, reference] of fixture.teacherForced.f32.entries()) {
        await using session = model.newDecoderSession(outputs[clipIndex]!);
        const { prompt } = reference;
        const logits = await session.append(Int32Array.from(prompt), prompt.length, { all: true });
        expect(logits.length).toBe(reference.shape[0] * reference.shape[1]);
        results.push(...compareRows(clipName(clipIndex), logits, nVocab, reference, 0));
        if (reference.fullRows !== undefined) {
          const { positions, values } = reference.fullRows;
          const rows = selectRows(logits, nVocab, positions);
          results.push(
            checkParity(`${clipName(clipIndex)} full rows ${positions.join(', ')}`, rows, values, 'f32'),
          );
        }
      }
      expectAllWithin(results);
    },
    ARCHITECTURE_TIMEOUT_MS,
  );

  it(
    "greedy tokens identical to transformers' generate (<|notimestamps|>, language given and detected)",
    async () => {
      const tokens = new SpecialTokens(model.info.dims.nVocab);
      const config = generationConfigJson(arch) as {
        suppress_tokens: number[];
        begin_suppress_tokens: number[];
      };
      const rules: GreedyRules = {
        suppress: config.suppress_tokens,
        beginSuppress: config.begin_suppress_tokens,
        endOfText: tokens.endOfText,
        maxNewTokens: fixture.generate.maxNewTokens,
      };
      const languageTokens = tokens.languages.map((code) => tokens.languageId(code));
      const modes = tokens.multilingual ? ['language_given', 'language_detected'] : ['language_given'];
      let compared = 0;
      for (const mode of modes) {
        const rows = fixture.generate.sequences[`f32/notimestamps/${mode}`]!;
        for (const [clipIndex, row] of rows.entries()) {
          // Rows are padded with <|endoftext|>. A row holding timestamp tokens went through transformers' seek
          // loop (it does not suppress timestamps in this mode), which is sequential long-form, not one greedy pass.
          const expected = [...row];
          while (expected.at(-1) === tokens.endOfText) expected.pop();
          if (expected.some((id) => id >= tokens.timestampBegin) || expected.length > rules.maxNewTokens)
            continue;
          const clip = fixture.clips[clipIndex]!;
          const language =
            mode === 'language_detected'
              ? await detectedLanguageToken(
                  model,
                  outputs[clipIndex]!,
                  tokens.startOfTranscript,
                  languageTokens,
                )
              : tokens.languageId(clip.lang);
          const prompt = tokens.multilingual
            ? [tokens.startOfTranscript, language, tokens.transcribe, tokens.noTimestamps]
            : [tokens.startOfTranscript, tokens.noTimestamps];
          const actual = await greedyTokens(model, outputs[clipIndex]!, prompt, rules);
          expect(firstTokenMismatch(actual, expected), `${clipName(clipIndex)} ${mode}`).toBe(-1);
          compared++;
        }
      }
      expect(compared).toBeGreaterThanOrEqual(8);
    },
    ARCHITECTURE_TIMEOUT_MS,
  );

  // Batching is the same code for every architecture: tiny shows it.
  if (arch === 'tiny') {
    it(
      'batched: two windows in one encode and one session, then a truncated sequence',
      async () => {
        const { nVocab, nAudioCtx, nAudioState } = model.info.dims;
        const [first, second] = [fixture.teacherForced.f32[0]!, fixture.teacherForced.f32[1]!];
        const results: ParityResult[] = [];
        const batchMel = new Float32Array(mels[0]!.length * 2);
        batchMel.set(mels[0]!);
        batchMel.set(mels[1]!, mels[0]!.length);
        await using batch = await model.encode(batchMel, 2);
        const window = nAudioCtx * nAudioState;
        const batched = await batch.toFloat32Array();
        for (const index of [0, 1]) {
          const single = await outputs[index]!.toFloat32Array();
          results.push(
            checkParity(
              `${clipName(index)} batched encoder`,
              batched.subarray(index * window, (index + 1) * window),
              single,
              'f32',
            ),
          );
        }

        await using session = model.newDecoderSession(batch);
        const n = Math.min(first.prompt.length, second.prompt.length) - 1;
        const tokens = Int32Array.from([...first.prompt.slice(0, n), ...second.prompt.slice(0, n)]);
        const logits = await session.append(tokens, n, { all: true });
        results.push(
          ...compareRows(`${clipName(0)} batched`, logits.subarray(0, n * nVocab), nVocab, first, 0),
        );
        results.push(
          ...compareRows(`${clipName(1)} batched`, logits.subarray(n * nVocab), nVocab, second, 0),
        );

        // Sequence 1 goes back to its start tokens; both then take one more token at their own positions.
        const kept = 2;
        session.truncate(1, kept);
        const next = await session.append(Int32Array.of(first.prompt[n]!, second.prompt[kept]!), 1);
        expect([session.length(0), session.length(1)]).toEqual([n + 1, kept + 1]);
        results.push(
          ...compareRows(`${clipName(0)} after truncate`, next.subarray(0, nVocab), nVocab, first, n),
        );
        results.push(
          ...compareRows(`${clipName(1)} after truncate`, next.subarray(nVocab), nVocab, second, kept),
        );
        expectAllWithin(results);
      },
      ARCHITECTURE_TIMEOUT_MS,
    );
  }
});
