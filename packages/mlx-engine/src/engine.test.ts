/**
 * The binding end to end on a real model (seeded tiny weights): loading, errors, info, the event loop staying free
 * while the engine works, dispose(), and the C++ backstops behind the TypeScript checks. Needs the engine built
 * (pnpm build).
 */
import { join } from 'node:path';
import { ModelLoadError } from '@verbatim/core';
import { loadReferenceFixture } from '@verbatim/reference';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NativeModel } from './internal/addon-types.js';
import { nativeAddon } from './internal/load-addon.js';
import { loadModel } from './load-model.js';
import { type SeededModel, writeSeededModel } from './test-support/seeded-model.js';
import { referenceMel } from './test-support/teacher-forcing.js';
import type { WhisperModel } from './whisper-model.js';

const TIMEOUT_MS = 120_000;
/** How often the probe timer asks to run while the engine works. */
const TICK_MS = 5;

const fixture = loadReferenceFixture('tiny');
let weights: SeededModel;

beforeAll(() => {
  weights = writeSeededModel('tiny', { layout: 'hf', seed: fixture.seed });
});
afterAll(() => weights?.remove());

/** Runs `work` with a TICK_MS interval timer going; returns its result and how often the timer fired. */
async function countingTicks<T>(work: () => Promise<T>): Promise<{ result: T; ticks: number }> {
  let ticks = 0;
  const timer = setInterval(() => {
    ticks++;
  }, TICK_MS);
  try {
    return { result: await work(), ticks };
  } finally {
    clearInterval(timer);
  }
}

describe('loadModel', () => {
  it('rejects a missing path with E_MODEL_LOAD naming it', async () => {
    const missing = join(weights.path, 'no-such-model');
    const failure = loadModel(missing);
    await expect(failure).rejects.toBeInstanceOf(ModelLoadError);
    await expect(failure).rejects.toMatchObject({ code: 'E_MODEL_LOAD', path: missing });
    await expect(failure).rejects.toThrow(missing);
  });

  it('reports what it loaded', async () => {
    await using model = await loadModel(weights.path, { threads: 1 });
    expect(model.info).toEqual({
      path: weights.path,
      dims: {
        nMels: 80,
        nAudioCtx: 1500,
        nAudioState: 384,
        nAudioHead: 6,
        nAudioLayer: 4,
        nVocab: 51865,
        nTextCtx: 448,
        nTextState: 384,
        nTextHead: 6,
        nTextLayer: 4,
      },
      specialTokens: {
        multilingual: true,
        endOfText: 50257,
        startOfTranscript: 50258,
        firstLanguage: 50259,
        nLanguages: 99,
        translate: 50358,
        transcribe: 50359,
        startOfLm: 50360,
        startOfPrev: 50361,
        noSpeech: 50362,
        noTimestamps: 50363,
        timestampBegin: 50364,
        blank: 220,
      },
      format: 'huggingface-safetensors',
      weightDtype: 'f32',
      weightBytes: expect.any(Number),
      weightCopyBytes: 0,
      threads: 1,
      backend: 'cpu',
      backendNote: '',
      deviceName: '',
    });
    // tiny has about 37.8 M parameters (39 M with the tied embedding counted twice).
    expect(model.info.weightBytes).toBeGreaterThan(35e6 * 4);
    expect(model.info.weightBytes).toBeLessThan(40e6 * 4);
  });

  it('runs where it is asked to, and says why when "auto" finds no usable GPU', async () => {
    await using automatic = await loadModel(weights.path, { threads: 1, device: 'auto' });
    if (automatic.info.backend === 'cuda') {
      expect(automatic.info.deviceName).not.toBe('');
      expect(automatic.info.backendNote).toBe('');
    } else {
      // This machine (and CI) has no GPU: the CPU, with the reason.
      expect(automatic.info.backendNote).toMatch(/^running on the CPU: /);
      const failure = loadModel(weights.path, { threads: 1, device: 'cuda' });
      await expect(failure).rejects.toMatchObject({ code: 'E_BACKEND' });
      await expect(failure).rejects.toThrow(/device cuda is not available: /);
    }
  });

  it('takes the lean GPU memory mode anywhere (the CPU ignores it: the same encoder output)', async () => {
    await using fast = await loadModel(weights.path, { threads: 1, device: 'cpu' });
    await using lean = await loadModel(weights.path, { threads: 1, device: 'cpu', gpuMemory: 'lean' });
    expect(lean.info.backend).toBe('cpu');
    const window = new Float32Array(16000).map((_, i) => Math.sin(i / 9) * 0.3);
    await using a = await fast.encodeSamples([window]);
    await using b = await lean.encodeSamples([window]);
    expect(await b.toFloat32Array()).toEqual(await a.toFloat32Array());
  });

  it(
    'keeps the event loop turning while a model loads and encodes',
    async () => {
      const { result: model, ticks: loadTicks } = await countingTicks(() => loadModel(weights.path));
      try {
        const mel = referenceMel(model, fixture.clips[0]!);
        const { result: output, ticks: encodeTicks } = await countingTicks(() => model.encode(mel, 1));
        // Loading from the page cache is quick; encoding a window takes far longer than a few ticks.
        expect(loadTicks + encodeTicks).toBeGreaterThanOrEqual(3);
        expect(encodeTicks).toBeGreaterThanOrEqual(2);
        await output.dispose();
      } finally {
        await model.dispose();
      }
    },
    TIMEOUT_MS,
  );
});

describe('dispose on the real engine', () => {
  let model: WhisperModel;
  let mel: Float32Array;

  beforeAll(async () => {
    model = await loadModel(weights.path);
    mel = referenceMel(model, fixture.clips[0]!);
  });

  it(
    'waits for the encode in flight, is idempotent, and refuses work afterwards',
    async () => {
      const encoded = model.encode(mel, 1);
      const disposal = model.dispose();
      expect(model.dispose()).toBe(disposal);
      const output = await encoded;
      await disposal;
      expect(output.disposed).toBe(true);
      await expect(model.logMel(new Float32Array(16000))).rejects.toMatchObject({ code: 'E_DISPOSED' });
      await expect(output.toFloat32Array()).rejects.toMatchObject({ code: 'E_DISPOSED' });
      await expect(model.dispose()).resolves.toBeUndefined();
    },
    TIMEOUT_MS,
  );
});

describe('the native addon behind the TypeScript checks', () => {
  let raw: NativeModel;

  beforeAll(async () => {
    raw = await nativeAddon().loadModel(weights.path, 0, 'cpu');
  });
  afterAll(() => raw?.dispose());

  it('refuses a second call on a model while one is in flight (E_INTERNAL)', async () => {
    const first = raw.logMel(new Float32Array(16000));
    expect(() => raw.logMel(new Float32Array(16000))).toThrow(
      expect.objectContaining({ code: 'E_INTERNAL', message: expect.stringContaining('busy with logMel') }),
    );
    await expect(first).resolves.toHaveLength(80 * 3000);
  });

  it('checks argument types and lengths itself (E_INVALID_ARG)', () => {
    const invalid = (message: string) => expect.objectContaining({ code: 'E_INVALID_ARG', message });
    expect(() => raw.encode(new Float32Array(5), 1)).toThrow(
      invalid('[encode] mel must be a Float32Array of 240000 elements: got Float32Array(5)'),
    );
    expect(() => raw.encode(new Float32Array(240000), 0)).toThrow(
      invalid('[encode] nBatch must be an integer in [1, 65536]: got 0'),
    );
    expect(() => raw.logMel([1, 2] as never)).toThrow(
      invalid('[logMel] samples must be a Float32Array: got an Array'),
    );
    expect(() => raw.newDecoderSession({} as never)).toThrow(
      invalid('[newDecoderSession] encoderOutput must be an EncoderOutput: got an object'),
    );
    const ModelClass = raw.constructor as new () => unknown;
    expect(() => new ModelClass()).toThrow(
      invalid('[Model] not constructible from JavaScript: use loadModel()'),
    );
  });

  it('keeps per-sequence lengths and truncates', async () => {
    const output = await raw.encode(new Float32Array(2 * 80 * 3000), 2);
    const session = raw.newDecoderSession(output);
    expect([session.nBatch, session.length(0)]).toEqual([2, 0]);
    const logits = await session.append(Int32Array.of(50258, 50259, 50258, 50259), 2, false);
    expect(logits).toHaveLength(2 * 51865);
    session.truncate(1, 1);
    expect([session.length(0), session.length(1)]).toEqual([2, 1]);
    expect(() => session.truncate(0, 3)).toThrow(expect.objectContaining({ code: 'E_INVALID_ARG' }));
    await session.dispose();
    await output.dispose();
    expect(() => session.length(0)).toThrow(expect.objectContaining({ code: 'E_DISPOSED' }));
  });
});
