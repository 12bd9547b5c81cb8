/**
 * transcribe()'s options: core's decoding options (OpenAI / faster-whisper names and defaults) plus the pipeline's
 * own (model, mode, VAD, engine settings), their defaults, and their resolution — once, at the API boundary. The
 * resolved object is echoed in every transcription's info.
 */

import {
  findLanguageCode,
  InvalidArgumentError,
  languageCode,
  resolveTranscribeOptions,
  type TranscribeOptions,
} from '@verbatim/core';
import { GPU_MEMORY_MODES, type GpuMemory } from '@verbatim/mlx-engine';
import {
  resolveSpeechTimestampOptions,
  SILERO_VERSIONS,
  type SileroVersion,
  type SpeechTimestampOptions,
} from '@verbatim/vad';
import { DEFAULT_MODEL } from '../models/model-catalog.js';
import type { ResolveModelOptions } from '../models/model-options.js';

/** 'vad': speech found by Silero, merged into ≤ 30 s chunks decoded in batches (WhisperX); 'sequential': OpenAI's seek loop. */
export type TranscribeMode = 'vad' | 'sequential';

/**
 * Where the engine runs: 'cpu'; 'cuda' (an NVIDIA GPU, failing with E_BACKEND naming what is missing when none can be
 * used); 'auto' (CUDA when a usable GPU is present, else the CPU: the transcriber's info says why).
 */
export const DEVICES = ['auto', 'cpu', 'cuda'] as const;
export type Device = (typeof DEVICES)[number];

/**
 * Compute types the engine has: it computes in the dtype the weights are stored in, so 'default' (= 'auto') takes the
 * model's, and a named type is accepted only when it is the model's own.
 */
export const COMPUTE_TYPES = ['default', 'auto', 'float32', 'float16', 'bfloat16'] as const;
export type ComputeType = (typeof COMPUTE_TYPES)[number];

/**
 * The speech detection of 'vad' mode: the Silero version and get_speech_timestamps' options (see @verbatim/vad), with
 * faster-whisper's batched defaults (DEFAULT_VAD_OPTIONS) rather than Silero's own.
 */
export interface VadOptions
  extends Pick<
    SpeechTimestampOptions,
    | 'threshold'
    | 'negThreshold'
    | 'minSpeechDurationMs'
    | 'minSilenceDurationMs'
    | 'speechPadMs'
    | 'maxSpeechDurationS'
  > {
  /** Silero version. Default 'v6'. */
  model?: SileroVersion;
}

export type ResolvedVadOptions = Required<VadOptions>;

/**
 * threshold 0.5 (negThreshold 0.15 below it), no minimum speech, 160 ms of silence ends speech, 400 ms of padding,
 * and speech longer than 30 s split at a silence inside it, so that no span needs a hard cut to fit a window.
 */
export const DEFAULT_VAD_OPTIONS: Readonly<Omit<ResolvedVadOptions, 'negThreshold'>> = Object.freeze({
  model: 'v6',
  threshold: 0.5,
  minSpeechDurationMs: 0,
  minSilenceDurationMs: 160,
  speechPadMs: 400,
  maxSpeechDurationS: 30,
});

/** What a transcription has done so far, for progress bars. */
export interface TranscribeProgress {
  /** 'vad': finding speech; 'decode': decoding it. */
  readonly stage: 'vad' | 'decode';
  /** Seconds of the input this stage has been through. */
  readonly doneS: number;
  /** Seconds of the input in all. */
  readonly totalS: number;
}

export interface TranscriptionOptions extends Partial<Omit<TranscribeOptions, 'temperatures' | 'language'>> {
  /** A model alias (`tiny`, `base.en`, `large-v3-turbo`, …), `demo`, or a path. Default `demo`. */
  model?: string;
  /** How the model is found or downloaded (cache, offline, Hub endpoint, …). Not echoed (it may hold a token). */
  modelResolution?: ResolveModelOptions;
  /** Language code or name (`en`, `German`); undefined: detected by a vote over several windows. */
  language?: string | undefined;
  /** Default 'vad', or 'sequential' when `vad` is false. */
  mode?: TranscribeMode;
  /** false: sequential mode; an object: 'vad' mode with these settings. Default true. */
  vad?: boolean | VadOptions;
  /** One temperature or the fallback list (also `temperatures`). Default 0, 0.2, …, 1. */
  temperature?: number | readonly number[];
  temperatures?: readonly number[];
  /** faster-whisper's hotwords: text given before the prompt of every window (ignored where a prefix is). */
  hotwords?: string | undefined;
  /** Most tokens decoded per window. Default: the engine's, half the text context (224). */
  maxNewTokens?: number | undefined;
  /**
   * Sequential mode: whisper's silence guard — skip silence longer than this many seconds before a possible
   * hallucination. As in whisper it acts on word timings only, so without word timestamps it has no effect.
   * Default undefined (off).
   */
  hallucinationSilenceThreshold?: number | undefined;
  /** Windows spread over the audio whose language probabilities vote when the language is detected. Default 3. */
  languageDetectionWindows?: number;
  /** Compute threads of the engine. Default: one per hardware thread. */
  threads?: number | undefined;
  /** Default 'auto'. */
  device?: Device;
  /**
   * On a GPU: 'fast' (default) keeps every weight and each batch's cross-attention keys and values on the device;
   * 'lean' streams the encoder's weights from host memory and attends to the audio itself — under half the device
   * memory, decoding ~1.3× slower. Ignored on the CPU.
   */
  gpuMemory?: GpuMemory;
  /** Default 'default': the weights' own dtype. */
  computeType?: ComputeType;
  /** Called as the transcription advances. */
  onProgress?: (progress: TranscribeProgress) => void;
}

export interface ResolvedTranscriptionOptions extends TranscribeOptions {
  readonly model: string;
  readonly mode: TranscribeMode;
  /** The VAD settings in 'vad' mode; undefined in sequential mode. */
  readonly vad: ResolvedVadOptions | undefined;
  readonly hotwords: string | undefined;
  readonly maxNewTokens: number | undefined;
  readonly hallucinationSilenceThreshold: number | undefined;
  readonly languageDetectionWindows: number;
  readonly threads: number | undefined;
  readonly device: Device;
  readonly gpuMemory: GpuMemory;
  readonly computeType: ComputeType;
}

export const DEFAULT_LANGUAGE_DETECTION_WINDOWS = 3;

/** Keys of TranscriptionOptions that are not core's, or are core's under another shape. */
const PIPELINE_KEYS = [
  'model',
  'modelResolution',
  'language',
  'mode',
  'vad',
  'temperature',
  'temperatures',
  'hotwords',
  'maxNewTokens',
  'hallucinationSilenceThreshold',
  'languageDetectionWindows',
  'threads',
  'device',
  'gpuMemory',
  'computeType',
  'onProgress',
] as const;

/**
 * Fills defaults and validates every option. Throws InvalidArgumentError naming the option and the offending value;
 * an unknown language lists the supported ones.
 */
export function resolveTranscriptionOptions(given: TranscriptionOptions = {}): ResolvedTranscriptionOptions {
  if (typeof given !== 'object' || given === null) fail('options', 'an object', given);
  const coreGiven: Partial<TranscribeOptions> = {};
  for (const [key, value] of Object.entries(given)) {
    if (value !== undefined && !(PIPELINE_KEYS as readonly string[]).includes(key)) {
      (coreGiven as Record<string, unknown>)[key] = value;
    }
  }
  const temperatures = resolveTemperatures(given);
  if (temperatures !== undefined) coreGiven.temperatures = temperatures;
  if (given.language !== undefined) coreGiven.language = resolveLanguage(given.language);
  const core = resolveTranscribeOptions(coreGiven);
  if (core.wordTimestamps) {
    fail('wordTimestamps', 'false: word timestamps are not implemented yet', core.wordTimestamps);
  }
  for (const name of ['conditionOnPreviousText', 'suppressBlank', 'withoutTimestamps'] as const) {
    if (typeof core[name] !== 'boolean') fail(name, 'a boolean', core[name]);
  }
  if (!Array.isArray(core.suppressTokens) || !core.suppressTokens.every((id) => Number.isInteger(id))) {
    fail('suppressTokens', 'an array of token ids (-1: the non-speech set)', core.suppressTokens);
  }
  if (core.lengthPenalty !== undefined) finite('lengthPenalty', core.lengthPenalty, 0, 1);
  for (const name of ['compressionRatioThreshold', 'logProbThreshold', 'noSpeechThreshold'] as const) {
    if (core[name] !== undefined) finite(name, core[name]);
  }
  for (const name of ['initialPrompt', 'prefix'] as const) optionalString(name, core[name]);
  optionalString('hotwords', given.hotwords);

  const mode = resolveMode(given);
  const model = given.model ?? DEFAULT_MODEL;
  if (typeof model !== 'string' || model.trim() === '') fail('model', 'an alias or a path', model);
  const device = given.device ?? 'auto';
  if (!(DEVICES as readonly string[]).includes(device))
    fail('device', `one of ${DEVICES.join(', ')}`, device);
  const gpuMemory = given.gpuMemory ?? 'fast';
  if (!(GPU_MEMORY_MODES as readonly unknown[]).includes(gpuMemory))
    fail('gpuMemory', `one of ${GPU_MEMORY_MODES.join(', ')}`, gpuMemory);
  const computeType = given.computeType ?? 'default';
  if (!(COMPUTE_TYPES as readonly string[]).includes(computeType)) {
    fail(
      'computeType',
      `one of ${COMPUTE_TYPES.join(', ')} (the engine computes in the weights' dtype)`,
      computeType,
    );
  }
  if (given.onProgress !== undefined && typeof given.onProgress !== 'function') {
    fail('onProgress', 'a function', given.onProgress);
  }
  return {
    ...core,
    model,
    mode,
    vad: mode === 'vad' ? resolveVadOptions(given.vad) : undefined,
    hotwords: given.hotwords,
    maxNewTokens: optionalPositiveInteger('maxNewTokens', given.maxNewTokens),
    hallucinationSilenceThreshold:
      given.hallucinationSilenceThreshold === undefined
        ? undefined
        : finite('hallucinationSilenceThreshold', given.hallucinationSilenceThreshold, 0),
    languageDetectionWindows:
      optionalPositiveInteger('languageDetectionWindows', given.languageDetectionWindows) ??
      DEFAULT_LANGUAGE_DETECTION_WINDOWS,
    threads: optionalPositiveInteger('threads', given.threads),
    device,
    gpuMemory,
    computeType,
  };
}

function resolveTemperatures(given: TranscriptionOptions): readonly number[] | undefined {
  if (given.temperature !== undefined && given.temperatures !== undefined) {
    fail('temperature', 'given alone, not together with temperatures', given.temperature);
  }
  const value = given.temperature ?? given.temperatures;
  if (value === undefined) return undefined;
  if (typeof value === 'number') return [value];
  if (!Array.isArray(value)) fail('temperature', 'a number or a list of numbers', value);
  return value;
}

function resolveLanguage(language: unknown): string {
  if (typeof language !== 'string') fail('language', 'a language code or name', language);
  // languageCode throws naming every supported language.
  return findLanguageCode(language) ?? languageCode(language);
}

function resolveMode(given: TranscriptionOptions): TranscribeMode {
  const { mode, vad } = given;
  if (mode !== undefined && mode !== 'vad' && mode !== 'sequential')
    fail('mode', '"vad" or "sequential"', mode);
  if (vad !== undefined && typeof vad !== 'boolean' && (typeof vad !== 'object' || vad === null)) {
    fail('vad', 'a boolean or VAD options', vad);
  }
  if (mode === 'sequential' && vad !== undefined && vad !== false) {
    fail('vad', 'false or left out in sequential mode', vad);
  }
  if (mode === 'vad' && vad === false) fail('vad', 'true, options or left out in vad mode', vad);
  return mode ?? (vad === false ? 'sequential' : 'vad');
}

function resolveVadOptions(given: boolean | VadOptions | undefined): ResolvedVadOptions {
  const { model = DEFAULT_VAD_OPTIONS.model, ...spans } = typeof given === 'object' ? given : {};
  if (!(SILERO_VERSIONS as readonly string[]).includes(model)) {
    fail('vad.model', `one of ${SILERO_VERSIONS.join(', ')}`, model);
  }
  const { model: _, ...spanDefaults } = DEFAULT_VAD_OPTIONS;
  const defined = Object.fromEntries(Object.entries(spans).filter(([, value]) => value !== undefined));
  // Validated (and negThreshold derived) as the VAD itself does.
  const resolved = resolveSpeechTimestampOptions({ ...spanDefaults, ...defined });
  return {
    model,
    threshold: resolved.threshold,
    negThreshold: resolved.negThreshold,
    minSpeechDurationMs: resolved.minSpeechDurationMs,
    minSilenceDurationMs: resolved.minSilenceDurationMs,
    speechPadMs: resolved.speechPadMs,
    maxSpeechDurationS: resolved.maxSpeechDurationS,
  };
}

function optionalPositiveInteger(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || (value as number) < 1) fail(name, 'a positive integer', value);
  return value as number;
}

function optionalString(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'string') fail(name, 'a string', value);
}

function finite(
  name: string,
  value: unknown,
  min = Number.NEGATIVE_INFINITY,
  max = Number.POSITIVE_INFINITY,
): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    const range =
      min === Number.NEGATIVE_INFINITY
        ? ''
        : max === Number.POSITIVE_INFINITY
          ? ` ≥ ${min}`
          : ` in [${min}, ${max}]`;
    fail(name, `a finite number${range}`, value);
  }
  return value;
}

function fail(name: string, expected: string, value: unknown): never {
  const shown = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  throw new InvalidArgumentError(`[transcribe] ${name} must be ${expected}: ${shown}`);
}
