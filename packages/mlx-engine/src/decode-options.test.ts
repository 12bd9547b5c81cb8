import { InvalidArgumentError } from '@verbatim/core';
import { describe, expect, it } from 'vitest';
import type { DecodeOptions } from './decode-options.js';
import { FAKE_MULTILINGUAL_TOKENS, FakeNativeModel, fakeMel } from './test-support/fake-native.js';
import { WhisperModel } from './whisper-model.js';

async function multilingualModel() {
  const native = new FakeNativeModel(1, true);
  const model = new WhisperModel(native, '/models/fake');
  const output = await model.encode(fakeMel(2), 2);
  return { model, native, output };
}

describe('decode() options', () => {
  it('resolves every default once, as OpenAI transcribe() has them, and hands the engine token ids', async () => {
    const { model, native, output } = await multilingualModel();
    const results = await model.decode(output, {
      temperatures: [0],
      windows: [{ languageToken: FAKE_MULTILINGUAL_TOKENS.firstLanguage }, { previousTokens: [5, 6] }],
    });
    expect(results).toHaveLength(2);
    expect(results[0]!.languageToken).toBeUndefined();
    expect(native.decodeCalls[0]).toEqual({
      task: 'transcribe',
      timestamps: true,
      windows: [
        { languageToken: 50259, previousTokens: [], hotwordTokens: [], prefixTokens: [] },
        { languageToken: -1, previousTokens: [5, 6], hotwordTokens: [], prefixTokens: [] },
      ],
      maxNewTokens: 224,
      temperatures: [0],
      beamSize: 0,
      patience: 1,
      lengthPenalty: null,
      bestOf: 5,
      seed: 0,
      suppressBlank: true,
      suppressTokens: [],
      maxInitialTimestamp: 1,
      compressionRatioThreshold: 2.4,
      logprobThreshold: -1,
      noSpeechThreshold: 0.6,
    });
  });

  const bad: [string, DecodeOptions, string][] = [
    [
      'task',
      { task: 'summarize' as never },
      'options.task must be "transcribe" or "translate": got "summarize"',
    ],
    [
      'windows length',
      { windows: [{}] },
      'options.windows must be an array of nBatch = 2 entries: got an Array(1)',
    ],
    [
      'language token',
      { windows: [{ languageToken: 50000 }, {}] },
      'options.windows[0].languageToken must be an integer in [50259, 50357]: got 50000',
    ],
    [
      'previous tokens',
      { windows: [{}, { previousTokens: [1, 51865] }] },
      'options.windows[1].previousTokens[1] must be a token id in [0, 51865): got 51865',
    ],
    ['temperatures', { temperatures: [] }, 'options.temperatures must be a non-empty array'],
    [
      'a temperature',
      { temperatures: [0, -1] },
      'options.temperatures[1] must be a finite number in [0, Infinity]: got -1',
    ],
    ['beam size', { beamSize: 2.5 }, 'options.beamSize must be an integer in [0, 64]: got 2.5'],
    ['patience', { beamSize: 2, patience: 0.1 }, 'options.patience must be large enough'],
    [
      'length penalty',
      { lengthPenalty: 1.5 },
      'options.lengthPenalty must be null or a number in [0, 1]: got 1.5',
    ],
    ['best of', { bestOf: 0 }, 'options.bestOf must be an integer in [1, 64]: got 0'],
    ['seed', { seed: -3 }, 'options.seed must be an integer in [0, 9007199254740991]: got -3'],
    [
      'suppress tokens',
      { suppressTokens: [-1] },
      'options.suppressTokens[0] must be a token id in [0, 51865): got -1',
    ],
    ['max new tokens', { maxNewTokens: 449 }, 'options.maxNewTokens must be an integer in [1, 448]: got 449'],
    [
      'threshold',
      { logprobThreshold: Number.NaN },
      'options.logprobThreshold must be null or a finite number: got NaN',
    ],
    [
      'compression ratio without token bytes',
      { temperatures: [0, 0.5] },
      'options.compressionRatioThreshold must be null unless setTokenBytes() was called',
    ],
  ];
  it.each(bad)('rejects a bad %s at once, naming the value', async (_, options, message) => {
    const { model, native, output } = await multilingualModel();
    // One temperature unless the case is about them: a fallback on the compression ratio needs token bytes.
    const withBase = { temperatures: [0], ...options };
    expect(() => model.decode(output, withBase)).toThrow(InvalidArgumentError);
    expect(() => model.decode(output, withBase)).toThrow(`[decode] ${message}`);
    expect(native.decodeCalls).toHaveLength(0);
  });

  it('takes a compression-ratio fallback once the token bytes are set, and checks them', async () => {
    const { model, native, output } = await multilingualModel();
    const offsets = new Uint32Array(51866);
    expect(() => model.setTokenBytes(new Uint8Array(2), offsets)).toThrow(
      '[setTokenBytes] offsets[51865] must be non-decreasing from 0 to bytes.length = 2: got 0',
    );
    expect(() => model.setTokenBytes(new Uint8Array(0), new Uint32Array(3))).toThrow(
      'offsets must be a Uint32Array of nVocab + 1 = 51866 offsets: got Uint32Array(3)',
    );
    await model.setTokenBytes(new Uint8Array(0), offsets);
    await model.decode(output, {});
    expect(native.decodeCalls[0]!.temperatures).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('refuses a model whose vocabulary is not Whisper’s, and language detection without languages', async () => {
    const native = new FakeNativeModel(1);
    const model = new WhisperModel(native, '/models/fake');
    const output = await model.encode(fakeMel(1), 1);
    expect(() => model.decode(output)).toThrow(
      "[decode] the model's vocabulary of 5 tokens is none of Whisper's",
    );
    expect(() => model.detectLanguage(output)).toThrow('[detectLanguage] the model is not multilingual');
  });

  it('splits detected language probabilities per window', async () => {
    const { model, output } = await multilingualModel();
    const probabilities = await model.detectLanguage(output);
    expect(probabilities).toHaveLength(2);
    expect(probabilities[1]).toHaveLength(99);
  });
});
