/**
 * WhisperModel.decode()'s options (token ids only: the tokenizer lives in @verbatim/core), their defaults
 * (OpenAI transcribe()'s) and their validation, which throws InvalidArgumentError at once naming the offending
 * value.
 */
import { InvalidArgumentError } from '@verbatim/core';
import type { NativeDecodeOptions, NativeDecodeResult, NativeDecodeWindow } from './internal/addon-types.js';
import { describeValue } from './internal/validate.js';
import type { ModelInfo, SpecialTokenIds } from './model-info.js';

/** More beams or samples per window than anyone decodes with (the engine's limit). */
export const MAX_DECODE_GROUP = 64;

/** What one window's decoding starts from. */
export interface DecodeWindowOptions {
  /** The language token (e.g. the id of `<|de|>`). Default: detected (multilingual models); none (English-only). */
  readonly languageToken?: number;
  /** Previous text or an initial prompt after `<|startofprev|>`; the last nTextCtx / 2 - 1 tokens are kept. */
  readonly previousTokens?: readonly number[];
  /** faster-whisper's hotwords: before previousTokens, the first nTextCtx / 2 - 1 kept; ignored with a prefix. */
  readonly hotwordTokens?: readonly number[];
  /** The transcript's start to continue from, after the start sequence (OpenAI's `prefix`). */
  readonly prefixTokens?: readonly number[];
}

export interface DecodeOptions {
  /** Default 'transcribe'; 'translate' needs a multilingual model. */
  readonly task?: 'transcribe' | 'translate';
  /** Timestamp tokens and their rules. Default true; false starts with `<|notimestamps|>`. */
  readonly timestamps?: boolean;
  /** One entry per window of the encoder output. Default: every window with the defaults above. */
  readonly windows?: readonly DecodeWindowOptions[];
  /** New tokens per window at most. Default nTextCtx / 2 (224). */
  readonly maxNewTokens?: number;
  /** Tried in order for the windows failing the thresholds. Default [0, 0.2, 0.4, 0.6, 0.8, 1]. */
  readonly temperatures?: readonly number[];
  /** Beams per window at temperature 0. Default 0: greedy. */
  readonly beamSize?: number;
  /** Beam search stops after round(beamSize × patience) finished sequences. Default 1. */
  readonly patience?: number;
  /** null: rank by logprob / length; alpha in [0, 1]: logprob / ((5 + length) / 6)^alpha. Default null. */
  readonly lengthPenalty?: number | null;
  /** Samples per window at temperatures above 0; the best ranked wins. Default 5. */
  readonly bestOf?: number;
  /** Seeds sampling (an integer >= 0): equal seeds, options and audio give equal tokens. Default 0. */
  readonly seed?: number;
  /** Suppress " " and `<|endoftext|>` as the first token. Default true. */
  readonly suppressBlank?: boolean;
  /**
   * Token ids never emitted, besides the task and control tokens the engine always suppresses. OpenAI's default
   * ("-1") is the tokenizer's non-speech set: pass its ids. Default [].
   */
  readonly suppressTokens?: readonly number[];
  /** Seconds: the first timestamp is at most this; null: no limit. Default 1. */
  readonly maxInitialTimestamp?: number | null;
  /** Decode again above this gzip compression ratio (needs setTokenBytes()); null: never. Default 2.4. */
  readonly compressionRatioThreshold?: number | null;
  /** Decode again below this average logprob; null: never. Default -1. */
  readonly logprobThreshold?: number | null;
  /** A window above this no-speech probability with a low logprob is silent. Default 0.6. */
  readonly noSpeechThreshold?: number | null;
}

/** One window's decoding. */
export interface DecodeResult {
  /** The new tokens, without the start sequence and `<|endoftext|>`. */
  readonly tokens: Int32Array;
  /** Sum of the tokens' log-probabilities (`<|endoftext|>`'s included when it ended the text). */
  readonly sumLogprob: number;
  /** sumLogprob / (tokens + 1). */
  readonly avgLogprob: number;
  /** Probability of the no-speech token at the `<|startoftranscript|>` position. */
  readonly noSpeechProb: number;
  /** Of the decoded text (timestamps left out); NaN before setTokenBytes(). */
  readonly compressionRatio: number;
  /** The temperature of the decoding kept. */
  readonly temperature: number;
  /** The language token used; undefined for English-only models. */
  readonly languageToken: number | undefined;
  /** When the language was detected: the probability of each language token, for voting across windows. */
  readonly languageProbs: Float32Array | undefined;
  /** OpenAI transcribe() would skip the window as silence. */
  readonly silent: boolean;
}

export const DECODE_DEFAULTS = Object.freeze({
  task: 'transcribe' as const,
  timestamps: true,
  temperatures: Object.freeze([0, 0.2, 0.4, 0.6, 0.8, 1]),
  beamSize: 0,
  patience: 1,
  lengthPenalty: null,
  bestOf: 5,
  seed: 0,
  suppressBlank: true,
  suppressTokens: Object.freeze([] as number[]),
  maxInitialTimestamp: 1,
  compressionRatioThreshold: 2.4,
  logprobThreshold: -1,
  noSpeechThreshold: 0.6,
});

class OptionChecker {
  constructor(
    readonly operation: string,
    readonly info: ModelInfo,
  ) {}

  fail(name: string, expected: string, value: unknown): never {
    throw new InvalidArgumentError(
      `[${this.operation}] ${name} must be ${expected}: got ${describeValue(value)}`,
    );
  }

  integer(name: string, value: unknown, min: number, max: number): number {
    if (!Number.isInteger(value) || (value as number) < min || (value as number) > max)
      this.fail(name, `an integer in [${min}, ${max}]`, value);
    return value as number;
  }

  finite(
    name: string,
    value: unknown,
    min = Number.NEGATIVE_INFINITY,
    max = Number.POSITIVE_INFINITY,
  ): number {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      const range =
        min === Number.NEGATIVE_INFINITY ? 'a finite number' : `a finite number in [${min}, ${max}]`;
      this.fail(name, range, value);
    }
    return value;
  }

  nullableFinite(name: string, value: unknown, min?: number, max?: number): number | null {
    if (value === null) return null;
    if (
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      (min !== undefined && value < min) ||
      (max !== undefined && value > max)
    ) {
      this.fail(
        name,
        min === undefined ? 'null or a finite number' : `null or a number in [${min}, ${max}]`,
        value,
      );
    }
    return value;
  }

  boolean(name: string, value: unknown): boolean {
    if (typeof value !== 'boolean') this.fail(name, 'a boolean', value);
    return value;
  }

  tokens(name: string, value: unknown): number[] {
    if (!Array.isArray(value) && !(value instanceof Int32Array))
      this.fail(name, 'an array of token ids', value);
    const { nVocab } = this.info.dims;
    const ids = Array.from(value as ArrayLike<unknown>);
    for (const [index, id] of ids.entries()) {
      if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= nVocab)
        this.fail(`${name}[${index}]`, `a token id in [0, ${nVocab})`, id);
    }
    return ids as number[];
  }
}

function resolveWindow(
  checker: OptionChecker,
  special: SpecialTokenIds,
  window: unknown,
  index: number,
): NativeDecodeWindow {
  const name = `options.windows[${index}]`;
  if (typeof window !== 'object' || window === null) checker.fail(name, 'an object', window);
  const options = window as DecodeWindowOptions;
  let languageToken = -1;
  if (options.languageToken !== undefined) {
    if (!special.multilingual)
      checker.fail(`${name}.languageToken`, 'undefined for an English-only model', options.languageToken);
    const last = special.firstLanguage + special.nLanguages - 1;
    languageToken = checker.integer(
      `${name}.languageToken`,
      options.languageToken,
      special.firstLanguage,
      last,
    );
  }
  return {
    languageToken,
    previousTokens: checker.tokens(`${name}.previousTokens`, options.previousTokens ?? []),
    hotwordTokens: checker.tokens(`${name}.hotwordTokens`, options.hotwordTokens ?? []),
    prefixTokens: checker.tokens(`${name}.prefixTokens`, options.prefixTokens ?? []),
  };
}

/**
 * Every option resolved against its default and checked for a model and a batch of nBatch windows.
 * @param hasTokenBytes whether setTokenBytes() was called (a compression-ratio fallback needs it).
 * @throws InvalidArgumentError naming the first offending option.
 */
export function resolveDecodeOptions(
  operation: string,
  options: DecodeOptions,
  info: ModelInfo,
  nBatch: number,
  hasTokenBytes: boolean,
): NativeDecodeOptions {
  const checker = new OptionChecker(operation, info);
  if (typeof options !== 'object' || options === null) checker.fail('options', 'an object', options);
  const special = info.specialTokens;
  if (special === null) {
    throw new InvalidArgumentError(
      `[${operation}] the model's vocabulary of ${info.dims.nVocab} tokens is none of Whisper's: its special tokens are unknown`,
    );
  }
  const task = options.task ?? DECODE_DEFAULTS.task;
  if (task !== 'transcribe' && task !== 'translate')
    checker.fail('options.task', '"transcribe" or "translate"', task);
  if (task === 'translate' && !special.multilingual)
    checker.fail('options.task', '"transcribe" for an English-only model', task);
  const windowsOption = options.windows ?? [];
  if (!Array.isArray(windowsOption)) checker.fail('options.windows', 'an array', windowsOption);
  if (windowsOption.length !== 0 && windowsOption.length !== nBatch)
    checker.fail('options.windows', `an array of nBatch = ${nBatch} entries`, windowsOption);
  const temperatures = options.temperatures ?? DECODE_DEFAULTS.temperatures;
  if (!Array.isArray(temperatures) || temperatures.length === 0)
    checker.fail('options.temperatures', 'a non-empty array', temperatures);
  for (const [i, t] of temperatures.entries()) checker.finite(`options.temperatures[${i}]`, t, 0);
  const beamSize = checker.integer(
    'options.beamSize',
    options.beamSize ?? DECODE_DEFAULTS.beamSize,
    0,
    MAX_DECODE_GROUP,
  );
  const patience = options.patience ?? DECODE_DEFAULTS.patience;
  if (typeof patience !== 'number' || !Number.isFinite(patience) || patience <= 0)
    checker.fail('options.patience', 'a finite number > 0', patience);
  if (beamSize > 0 && Math.round(beamSize * patience) < 1)
    checker.fail(
      'options.patience',
      `large enough that round(beamSize × patience) >= 1 (beamSize ${beamSize})`,
      patience,
    );
  const compressionRatioThreshold = checker.nullableFinite(
    'options.compressionRatioThreshold',
    options.compressionRatioThreshold === undefined
      ? DECODE_DEFAULTS.compressionRatioThreshold
      : options.compressionRatioThreshold,
  );
  if (compressionRatioThreshold !== null && temperatures.length > 1 && !hasTokenBytes) {
    checker.fail(
      'options.compressionRatioThreshold',
      'null unless setTokenBytes() was called (a fallback on it needs the decoded text)',
      compressionRatioThreshold,
    );
  }
  const { nTextCtx } = info.dims;
  return {
    task,
    timestamps: checker.boolean('options.timestamps', options.timestamps ?? DECODE_DEFAULTS.timestamps),
    windows: windowsOption.map((window, index) => resolveWindow(checker, special, window, index)),
    maxNewTokens: checker.integer('options.maxNewTokens', options.maxNewTokens ?? nTextCtx / 2, 1, nTextCtx),
    temperatures: [...temperatures],
    beamSize,
    patience,
    lengthPenalty: checker.nullableFinite(
      'options.lengthPenalty',
      options.lengthPenalty === undefined ? DECODE_DEFAULTS.lengthPenalty : options.lengthPenalty,
      0,
      1,
    ),
    bestOf: checker.integer('options.bestOf', options.bestOf ?? DECODE_DEFAULTS.bestOf, 1, MAX_DECODE_GROUP),
    seed: checker.integer('options.seed', options.seed ?? DECODE_DEFAULTS.seed, 0, Number.MAX_SAFE_INTEGER),
    suppressBlank: checker.boolean(
      'options.suppressBlank',
      options.suppressBlank ?? DECODE_DEFAULTS.suppressBlank,
    ),
    suppressTokens: checker.tokens(
      'options.suppressTokens',
      options.suppressTokens ?? DECODE_DEFAULTS.suppressTokens,
    ),
    maxInitialTimestamp: checker.nullableFinite(
      'options.maxInitialTimestamp',
      options.maxInitialTimestamp === undefined
        ? DECODE_DEFAULTS.maxInitialTimestamp
        : options.maxInitialTimestamp,
      0,
      Number.MAX_VALUE,
    ),
    compressionRatioThreshold,
    logprobThreshold: checker.nullableFinite(
      'options.logprobThreshold',
      options.logprobThreshold === undefined ? DECODE_DEFAULTS.logprobThreshold : options.logprobThreshold,
    ),
    noSpeechThreshold: checker.nullableFinite(
      'options.noSpeechThreshold',
      options.noSpeechThreshold === undefined ? DECODE_DEFAULTS.noSpeechThreshold : options.noSpeechThreshold,
    ),
  };
}

export function decodeResultFromNative(native: NativeDecodeResult): DecodeResult {
  return Object.freeze({
    tokens: native.tokens,
    sumLogprob: native.sumLogprob,
    avgLogprob: native.avgLogprob,
    noSpeechProb: native.noSpeechProb,
    compressionRatio: native.compressionRatio,
    temperature: native.temperature,
    languageToken: native.languageToken < 0 ? undefined : native.languageToken,
    languageProbs: native.languageProbs ?? undefined,
    silent: native.silent,
  });
}
