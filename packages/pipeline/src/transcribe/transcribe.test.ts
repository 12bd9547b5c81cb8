/**
 * transcribe() end to end on seeded random weights (pnpm build compiles the engine): the mechanics — time order,
 * batching, placement inside the speech, empty results for silence, errors, a free event loop — never the text,
 * which random weights make meaningless.
 */
import { InvalidArgumentError, SAMPLE_RATE_HZ, type Segment } from '@verbatim/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelResolutionError } from '../models/model-errors.js';
import { type SeededWhisper, writeSeededWhisper } from './test-support/seeded-whisper.js';
import { joinedSpeech, speechPath } from './test-support/speech-audio.js';
import { transcribe } from './transcribe.js';
import { Transcriber } from './transcriber.js';
import type { TranscribeProgress, TranscriptionOptions } from './transcription-options.js';

const TIMEOUT_MS = 180_000;
/** Short, greedy decodes without fallback: what random weights need to finish quickly. */
const FAST: TranscriptionOptions = { maxNewTokens: 24, beamSize: 1, temperature: 0, threads: 2 };

let weights: SeededWhisper;
let speech: Float32Array;

beforeAll(async () => {
  weights = writeSeededWhisper();
  // About 70 s of speech in 8 recordings (English and others) with 3 s of silence after each: three chunks.
  speech = await joinedSpeech(['jfk', 'libri0', 'es', 'de', 'fr', 'it', 'pt', 'libri3'], 3);
}, TIMEOUT_MS);
afterAll(() => weights?.remove());

async function collect(segments: AsyncIterable<Segment>): Promise<Segment[]> {
  const all: Segment[] = [];
  for await (const segment of segments) all.push(segment);
  return all;
}

function expectInTimeOrder(segments: readonly Segment[], durationS: number) {
  segments.forEach((segment, i) => {
    expect(segment.id).toBe(i);
    expect(segment.startS).toBeGreaterThanOrEqual(0);
    expect(segment.endS).toBeGreaterThan(segment.startS);
    expect(segment.endS).toBeLessThanOrEqual(durationS);
    expect(segment.words).toBeUndefined();
    if (i > 0) expect(segment.startS).toBeGreaterThanOrEqual(segments[i - 1]!.endS);
  });
}

describe('transcribe (vad mode)', () => {
  it(
    'decodes the speech chunks in batches and yields segments in time order, inside the speech',
    async () => {
      const progress: TranscribeProgress[] = [];
      const options = {
        ...FAST,
        model: weights.path,
        batchSize: 1,
        onProgress: (p: TranscribeProgress) => progress.push(p),
      };
      const { info, segments } = await transcribe(speech, options);
      // VAD and the language vote are done when transcribe() resolves; nothing is decoded yet
      expect(info.stageTimes.vadS).toBeGreaterThan(0);
      expect(info.stageTimes.languageS).toBeGreaterThan(0);
      expect(info.stageTimes.decodeS).toBe(0);
      const wall = performance.now();
      const all = await collect(segments);
      const iterationS = (performance.now() - wall) / 1000;
      const { encodeS, decodeS } = info.stageTimes;
      for (const seconds of [encodeS, decodeS]) expect(seconds).toBeGreaterThan(0);
      // the stages run one after another inside the iteration: together no longer than it
      expect(encodeS + decodeS).toBeLessThanOrEqual(iterationS + 1e-3);
      const durationS = speech.length / SAMPLE_RATE_HZ;
      expect(info).toMatchObject({ durationS, model: weights.path, modelPath: weights.path });
      expect(info.options).toMatchObject({ mode: 'vad', batchSize: 1, beamSize: 1, temperatures: [0] });
      expect(info.durationAfterVadS).toBeGreaterThan(45);
      expect(info.durationAfterVadS).toBeLessThan(durationS - 20);
      expect(info.languageProbability).toBeGreaterThan(0);
      expect(all.length).toBeGreaterThan(0);
      expectInTimeOrder(all, durationS);
      // Nothing is placed in the silences: every segment starts and ends inside speech (or its 0.4 s padding).
      for (const segment of all) {
        for (const time of [segment.startS, segment.endS - 1e-6]) {
          const at = Math.floor(time * SAMPLE_RATE_HZ);
          const around = speech.subarray(Math.max(0, at - 0.45 * SAMPLE_RATE_HZ), at + 0.45 * SAMPLE_RATE_HZ);
          expect(around.some((sample) => sample !== 0)).toBe(true);
        }
      }
      const decoded = progress.filter((p) => p.stage === 'decode');
      // Over 30 s of speech: at least two chunks, one batch each, reported in order.
      expect(decoded.length).toBeGreaterThanOrEqual(2);
      for (let i = 1; i < decoded.length; i++)
        expect(decoded[i]!.doneS).toBeGreaterThan(decoded[i - 1]!.doneS);
      expect(progress.filter((p) => p.stage === 'vad').length).toBeGreaterThan(0);
    },
    TIMEOUT_MS,
  );

  it(
    'gives the same segments for a path and for its samples, whatever the batch size',
    async () => {
      await using transcriber = await Transcriber.create({ ...FAST, model: weights.path, language: 'en' });
      const fromPath = await transcriber.transcribe(speechPath('jfk'));
      expect(fromPath.info).toMatchObject({ language: 'en', languageProbability: 1, durationS: 11 });
      const expected = await collect(fromPath.segments);
      expect(expected.length).toBeGreaterThan(0);
      const { loadAudio } = await import('@verbatim/audio');
      const samples = (await loadAudio(speechPath('jfk'))).samples;
      expect(await collect((await transcriber.transcribe(samples)).segments)).toEqual(expected);
      // Several chunks decoded one per batch or all in one batch: the same segments in the same order.
      const options = { ...FAST, model: weights.path, language: 'en' };
      const oneByOne = await collect((await transcribe(speech, { ...options, batchSize: 1 })).segments);
      const together = await collect((await transcribe(speech, { ...options, batchSize: 8 })).segments);
      expect(oneByOne.length).toBeGreaterThan(1);
      // The tokens and times are equal; the scores may differ in the last bits (batched arithmetic).
      const timed = (segment: Segment) => [
        segment.id,
        segment.startS,
        segment.endS,
        segment.text,
        segment.tokens,
      ];
      expect(together.map(timed)).toEqual(oneByOne.map(timed));
    },
    TIMEOUT_MS,
  );

  it(
    'returns no segments, and no error, for silence, one sample and no samples',
    async () => {
      await using transcriber = await Transcriber.create({ ...FAST, model: weights.path });
      for (const input of [new Float32Array(10 * SAMPLE_RATE_HZ), new Float32Array(1), new Float32Array(0)]) {
        const { info, segments } = await transcriber.transcribe(input);
        expect(await collect(segments)).toEqual([]);
        expect(info).toMatchObject({ durationAfterVadS: 0, language: 'en', languageProbability: 0 });
      }
      await transcriber.dispose();
      await expect(transcriber.transcribe(new Float32Array(1))).rejects.toMatchObject({ code: 'E_DISPOSED' });
    },
    TIMEOUT_MS,
  );

  it(
    'keeps the event loop free while it works',
    async () => {
      let ticks = 0;
      let ticksWhileDecoding = 0;
      const timer = setInterval(() => ticks++, 1);
      try {
        const { segments } = await transcribe(speech, { ...FAST, model: weights.path, batchSize: 3 });
        const before = ticks;
        await collect(segments);
        ticksWhileDecoding = ticks - before;
      } finally {
        clearInterval(timer);
      }
      expect(ticksWhileDecoding).toBeGreaterThan(0);
    },
    TIMEOUT_MS,
  );
});

describe('transcribe (sequential mode)', () => {
  it(
    'runs the seek loop over the whole audio, in time order',
    async () => {
      const input = speech.subarray(0, 45 * SAMPLE_RATE_HZ);
      const { info, segments } = await transcribe(input, { ...FAST, model: weights.path, vad: false });
      expect(info).toMatchObject({ durationS: 45, durationAfterVadS: 45 });
      expect(info.stageTimes.vadS).toBe(0);
      expect(info.options).toMatchObject({ mode: 'sequential', vad: undefined });
      const all = await collect(segments);
      expect(all.length).toBeGreaterThan(0);
      expectInTimeOrder(all, 45);
      expect(info.stageTimes.decodeS).toBeGreaterThan(0);
    },
    TIMEOUT_MS,
  );

  it(
    'returns no segments for one sample',
    async () => {
      const { segments } = await transcribe(new Float32Array(1), {
        ...FAST,
        model: weights.path,
        mode: 'sequential',
      });
      expect(await collect(segments)).toEqual([]);
    },
    TIMEOUT_MS,
  );
});

describe('transcribe errors', () => {
  it(
    'names an unsupported language with the supported ones, and a compute type the model does not have',
    async () => {
      await expect(transcribe(speech, { model: weights.path, language: 'klingon' })).rejects.toThrow(
        /unsupported language: "klingon"; supported: en \(english\), zh \(chinese\)/,
      );
      // Cantonese has a token only from large-v3 on: this vocabulary of 51865 tokens lacks it.
      const cantonese = transcribe(speech, { model: weights.path, language: 'yue' });
      await expect(cantonese).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(cantonese).rejects.toThrow(
        /unsupported language: "yue"; supported: en \(english\).*su \(sundanese\)$/,
      );
      await expect(transcribe(speech, { model: weights.path, computeType: 'float16' })).rejects.toThrow(
        'computeType float16 is not available for this model: the engine computes in the dtype its weights are stored in (f32; use "default"): float16',
      );
    },
    TIMEOUT_MS,
  );

  it('lists the known models for an unknown one', async () => {
    const failure = transcribe(speech, { model: 'tiny-ultra' });
    await expect(failure).rejects.toBeInstanceOf(ModelResolutionError);
    await expect(failure).rejects.toThrow(/large-v3-turbo/);
  });
});
