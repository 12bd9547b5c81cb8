import { InvalidArgumentError } from './errors.js';

export type Task = 'transcribe' | 'translate';

/**
 * Decoding options, named after the reference's (openai/whisper `DecodingOptions` and `transcribe()`,
 * faster-whisper's `transcribe()`), with the same defaults.
 */
export interface TranscribeOptions {
  /** Language code such as `en`; undefined means detect it. Default: undefined. */
  language: string | undefined;
  /** Default: `transcribe`. */
  task: Task;
  /** Beam width; 1 means greedy. Default: 5. */
  beamSize: number;
  /** Candidates sampled at non-zero temperature. Default: 5. */
  bestOf: number;
  /** Beam search patience (reference: arXiv 2204.05424). Default: 1. */
  patience: number;
  /** Length penalty alpha; undefined ranks by the plain length-normalised log-probability. Default: undefined. */
  lengthPenalty: number | undefined;
  /** Temperatures tried in order when a decode fails the thresholds below. Default: 0, 0.2, …, 1.0. */
  temperatures: readonly number[];
  /** Retry when gzip compression ratio of the text exceeds this. Default: 2.4. */
  compressionRatioThreshold: number | undefined;
  /** Retry when the average log-probability falls below this. Default: -1. */
  logProbThreshold: number | undefined;
  /** Treat a window as silent when no-speech probability exceeds this and the decode is unlikely. Default: 0.6. */
  noSpeechThreshold: number | undefined;
  /** Feed the previous window's text as a prompt (sequential long-form only). Default: true. */
  conditionOnPreviousText: boolean;
  /** Text given to the first window as the previous context. Default: undefined. */
  initialPrompt: string | undefined;
  /** Text forced at the start of the first window's output. Default: undefined. */
  prefix: string | undefined;
  /** Token ids never to emit; -1 stands for the model's default set. Default: [-1]. */
  suppressTokens: readonly number[];
  /** Suppress a blank or end-of-text as the first sampled token. Default: true. */
  suppressBlank: boolean;
  /** Decode text only, no timestamp tokens. Default: false. */
  withoutTimestamps: boolean;
  /** Latest time the first timestamp may take, in seconds. Default: 1. */
  maxInitialTimestampS: number;
  /** Produce word-level timestamps. Default: false. */
  wordTimestamps: boolean;
  /** Windows decoded together by the engine. Default: 16. */
  batchSize: number;
}

export const DEFAULT_TRANSCRIBE_OPTIONS: Readonly<TranscribeOptions> = Object.freeze({
  language: undefined,
  task: 'transcribe',
  beamSize: 5,
  bestOf: 5,
  patience: 1,
  lengthPenalty: undefined,
  temperatures: Object.freeze([0, 0.2, 0.4, 0.6, 0.8, 1]),
  compressionRatioThreshold: 2.4,
  logProbThreshold: -1,
  noSpeechThreshold: 0.6,
  conditionOnPreviousText: true,
  initialPrompt: undefined,
  prefix: undefined,
  suppressTokens: Object.freeze([-1]),
  suppressBlank: true,
  withoutTimestamps: false,
  maxInitialTimestampS: 1,
  wordTimestamps: false,
  batchSize: 16,
});

function positiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(`[options] ${name} must be a positive integer: ${value}`);
  }
}

/** Fills defaults and validates, once, at the API boundary. The result is what a run echoes back. */
export function resolveTranscribeOptions(given: Partial<TranscribeOptions> = {}): TranscribeOptions {
  const options: TranscribeOptions = { ...DEFAULT_TRANSCRIBE_OPTIONS, ...given };
  if (options.task !== 'transcribe' && options.task !== 'translate') {
    throw new InvalidArgumentError(
      `[options] task must be "transcribe" or "translate": ${String(options.task)}`,
    );
  }
  positiveInteger('beamSize', options.beamSize);
  positiveInteger('bestOf', options.bestOf);
  positiveInteger('batchSize', options.batchSize);
  if (!(options.patience > 0)) {
    throw new InvalidArgumentError(`[options] patience must be greater than 0: ${options.patience}`);
  }
  if (
    options.temperatures.length === 0 ||
    options.temperatures.some((t) => !(t >= 0) || !Number.isFinite(t))
  ) {
    throw new InvalidArgumentError(
      `[options] temperatures must be a non-empty list of finite numbers ≥ 0: ${options.temperatures.join(', ')}`,
    );
  }
  if (!(options.maxInitialTimestampS >= 0)) {
    throw new InvalidArgumentError(
      `[options] maxInitialTimestampS must be ≥ 0: ${options.maxInitialTimestampS}`,
    );
  }
  return options;
}
