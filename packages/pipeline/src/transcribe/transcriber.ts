/**
 * A loaded model with a run's options resolved, which transcribes any number of inputs: what the CLI uses for
 * several files, so the model is loaded once.
 */

import {
  EngineError,
  HOP_LENGTH_SAMPLES,
  InvalidArgumentError,
  languageCode,
  N_SAMPLES_PER_CHUNK,
  SAMPLE_RATE_HZ,
  type Segment,
  Tokenizer,
  type TranscriptionInfo,
} from '@verbatim/core';
import { loadModel, type ModelInfo, type WhisperModel } from '@verbatim/mlx-engine';
import { chunkAudio, type SileroModel, type SileroWorkers, type SpeechChunk } from '@verbatim/vad';
import { readModelSuppressTokens } from '../models/model-suppress-tokens.js';
import { type ResolvedModel, resolveModel } from '../models/resolve-model.js';
import { spreadIndices, voteLanguage } from './language-vote.js';
import type { PromptTokens, RunContext } from './run-context.js';
import { transcribeSequentially } from './sequential-transcription.js';
import { newStageTimes, type StageTimes, timed } from './stage-times.js';
import { modelTokenBytes } from './token-bytes.js';
import { inputSamples, type TranscribeInput } from './transcribe-input.js';
import {
  type ResolvedTranscriptionOptions,
  resolveTranscriptionOptions,
  type TranscribeProgress,
  type TranscriptionOptions,
} from './transcription-options.js';
import { findSpeechChunks, loadVad, transcribeChunks } from './vad-transcription.js';
import { WindowDecoder } from './window-decoder.js';

/** What a transcription found and decided, with the options it ran with. */
export interface TranscriptionRunInfo extends TranscriptionInfo {
  /** Where the model was loaded from. */
  readonly modelPath: string;
  /** The options, resolved (defaults filled in). */
  readonly options: ResolvedTranscriptionOptions;
  /**
   * Seconds spent in each stage (see stage-times.ts), filled in as the run proceeds: VAD and language detection
   * when transcribe() resolves, the rest once `segments` is exhausted.
   */
  readonly stageTimes: Readonly<StageTimes>;
}

/** A transcription: its info, known up front, and its segments, decoded as they are iterated. */
export interface Transcription {
  readonly info: TranscriptionRunInfo;
  /** In time order, on the input's timeline. Iterate once. */
  readonly segments: AsyncIterable<Segment>;
}

/** The windows a language vote may draw from: `count` of them, made on demand. */
interface LanguageWindows {
  readonly count: number;
  at(index: number): { audio: Float32Array; weightS: number };
}

/** With no speech to detect a language from, the info says this, with probability 0. */
const UNDETECTED_LANGUAGE = 'en';

const WEIGHT_DTYPE_OF: Readonly<Record<string, ModelInfo['weightDtype']>> = {
  float32: 'f32',
  float16: 'f16',
  bfloat16: 'bf16',
};

export class Transcriber implements AsyncDisposable {
  readonly options: ResolvedTranscriptionOptions;
  readonly model: ResolvedModel;
  readonly modelInfo: ModelInfo;
  readonly #engine: WhisperModel;
  readonly #vad: SileroModel | SileroWorkers | undefined;
  readonly #tokenizer: Tokenizer;
  readonly #decoder: WindowDecoder;
  readonly #languageToken: number | undefined;
  readonly #prompts: PromptTokens;
  readonly #onProgress: ((progress: TranscribeProgress) => void) | undefined;
  #disposal: Promise<void> | undefined;

  private constructor(
    options: ResolvedTranscriptionOptions,
    onProgress: TranscriptionOptions['onProgress'],
    model: ResolvedModel,
    engine: WhisperModel,
    vad: SileroModel | SileroWorkers | undefined,
    tokenizer: Tokenizer,
    modelSuppressTokens: readonly number[] | undefined,
  ) {
    this.options = options;
    this.#onProgress = onProgress;
    this.model = model;
    this.modelInfo = engine.info;
    this.#engine = engine;
    this.#vad = vad;
    this.#tokenizer = tokenizer;
    this.#decoder = new WindowDecoder(engine, tokenizer, options, modelSuppressTokens);
    this.#languageToken = checkLanguage(options, tokenizer);
    const encodeText = (text: string | undefined) =>
      text === undefined || text.trim() === '' ? [] : tokenizer.encode(` ${text.trim()}`);
    this.#prompts = {
      initialPrompt: encodeText(options.initialPrompt),
      prefix: encodeText(options.prefix),
      hotwords: encodeText(options.hotwords),
    };
  }

  /**
   * Resolves the options, finds (or downloads) the model and loads it, and in 'vad' mode starts Silero beside it (on
   * worker threads that serve every transcribe() call until dispose()).
   * @throws InvalidArgumentError naming a bad option, an unsupported language (listing the supported ones) or a
   *   computeType other than the model's; ModelResolutionError for a model that cannot be found (an unknown name
   *   lists the known ones); ModelLoadError for one that cannot be loaded.
   */
  static async create(given: TranscriptionOptions = {}): Promise<Transcriber> {
    const options = resolveTranscriptionOptions(given);
    const model = await resolveModel(options.model, given.modelResolution);
    // Silero's threads start while the Whisper model loads.
    const [engineLoad, vadLoad] = await Promise.allSettled([
      loadModel(model.path, {
        device: options.device,
        gpuMemory: options.gpuMemory,
        ...(options.threads === undefined ? {} : { threads: options.threads }),
      }),
      options.vad === undefined ? undefined : loadVad(options.vad.model),
    ]);
    const vad = vadLoad.status === 'fulfilled' ? vadLoad.value : undefined;
    if (engineLoad.status === 'rejected') {
      await vad?.dispose();
      throw engineLoad.reason;
    }
    const engine = engineLoad.value;
    try {
      if (vadLoad.status === 'rejected') throw vadLoad.reason;
      checkEngine(options, engine.info);
      const { specialTokens, dims } = engine.info;
      if (specialTokens === null) {
        throw new InvalidArgumentError(
          `[transcribe] the model's vocabulary of ${dims.nVocab} tokens is none of Whisper's: ${model.path}`,
        );
      }
      const tokenizer = Tokenizer.forModel({ vocabSize: dims.nVocab });
      const { bytes, offsets } = modelTokenBytes(tokenizer, dims.nVocab);
      await engine.setTokenBytes(bytes, offsets);
      const modelSuppressTokens = await readModelSuppressTokens(model.path);
      return new Transcriber(options, given.onProgress, model, engine, vad, tokenizer, modelSuppressTokens);
    } catch (error) {
      await Promise.allSettled([engine.dispose(), vad?.dispose()]);
      throw error;
    }
  }

  /**
   * Transcribes `input`: a file path, or mono audio (a Float32Array at 16 kHz, or an AudioBuffer, resampled to
   * 16 kHz when at another rate). Resolves once the audio is read, its speech found and its language known; the
   * segments are decoded as they are iterated.
   * @throws as loadAudio for files; InvalidArgumentError for bad samples; E_DISPOSED after dispose().
   */
  async transcribe(input: TranscribeInput): Promise<Transcription> {
    if (this.#disposal !== undefined) {
      throw new EngineError('E_DISPOSED', `[transcribe] used after dispose(): ${this.model.path}`);
    }
    const samples = await inputSamples(input);
    const durationS = samples.length / SAMPLE_RATE_HZ;
    const stageTimes = newStageTimes();
    let chunks: SpeechChunk[] = [];
    let languageWindows: LanguageWindows;
    if (this.#vad !== undefined && this.options.vad !== undefined) {
      const { vad } = this.options;
      const vadModel = this.#vad;
      chunks = await timed(stageTimes, 'vadS', () =>
        findSpeechChunks(samples, vad, vadModel, this.#onProgress),
      );
      languageWindows = {
        count: chunks.length,
        at: (i) => ({ audio: chunkAudio(samples, chunks[i]!), weightS: chunks[i]!.timeMap.durationS }),
      };
    } else {
      languageWindows = {
        // As many 30 s windows as the seek loop could decode: none for less than one frame of audio.
        count: samples.length < HOP_LENGTH_SAMPLES ? 0 : Math.ceil(samples.length / N_SAMPLES_PER_CHUNK),
        at: (i) => {
          const audio = samples.subarray(i * N_SAMPLES_PER_CHUNK, (i + 1) * N_SAMPLES_PER_CHUNK);
          return { audio, weightS: audio.length / SAMPLE_RATE_HZ };
        },
      };
    }
    const language = await timed(stageTimes, 'languageS', () => this.#language(languageWindows));
    const context: RunContext = {
      samples,
      decoder: this.#decoder,
      tokenizer: this.#tokenizer,
      languageToken: language.token,
      prompts: this.#prompts,
      batchSize: this.options.batchSize,
      conditionOnPreviousText: this.options.conditionOnPreviousText,
      hallucinationSilenceThreshold: this.options.hallucinationSilenceThreshold,
      onProgress: this.#onProgress,
      stageTimes,
    };
    const info: TranscriptionRunInfo = {
      language: language.code,
      languageProbability: language.probability,
      durationS,
      durationAfterVadS:
        this.options.mode === 'vad'
          ? chunks.reduce((sum, chunk) => sum + chunk.timeMap.durationS, 0)
          : durationS,
      model: this.model.name,
      modelPath: this.model.path,
      options: this.options,
      stageTimes,
    };
    const segments =
      this.options.mode === 'vad' ? transcribeChunks(context, chunks) : transcribeSequentially(context);
    return { info, segments };
  }

  /** Frees the engine's model and Silero's threads, once any run in flight is done with them. Idempotent. */
  dispose(): Promise<void> {
    this.#disposal ??= Promise.all([this.#engine.dispose(), this.#vad?.dispose()]).then(() => undefined);
    return this.#disposal;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }

  /** The given language, or the vote of a few windows spread over the speech (see language-vote.ts). */
  async #language(
    windows: LanguageWindows,
  ): Promise<{ code: string; probability: number; token: number | undefined }> {
    const tokenizer = this.#tokenizer;
    if (this.#languageToken !== undefined || !tokenizer.multilingual) {
      const code = this.options.language ?? 'en';
      return { code, probability: 1, token: this.#languageToken };
    }
    if (windows.count === 0) return { code: UNDETECTED_LANGUAGE, probability: 0, token: undefined };
    const chosen = spreadIndices(windows.count, this.options.languageDetectionWindows).map((i) =>
      windows.at(i),
    );
    const probabilities = await this.#decoder.languageProbabilities(chosen.map((window) => window.audio));
    const vote = voteLanguage(
      probabilities,
      chosen.map((window) => window.weightS),
    );
    const token = tokenizer.special.firstLanguage + vote.index;
    return { code: tokenizer.tokenLanguage(token)!, probability: vote.probability, token };
  }
}

/** The given language's token, checked against the model's vocabulary; undefined when detected or English-only. */
function checkLanguage(options: ResolvedTranscriptionOptions, tokenizer: Tokenizer): number | undefined {
  if (!tokenizer.multilingual) {
    if (options.task === 'translate') {
      throw new InvalidArgumentError(
        '[transcribe] task must be "transcribe" for an English-only model: translate',
      );
    }
    if (options.language !== undefined) languageCode(options.language, tokenizer.languages.slice(0, 1));
    return undefined;
  }
  return options.language === undefined ? undefined : tokenizer.languageToken(options.language);
}

/** Throws InvalidArgumentError when the loaded engine cannot honour `device` or `computeType`. */
function checkEngine(options: ResolvedTranscriptionOptions, info: ModelInfo): void {
  if (options.device === 'cpu' && info.backend !== 'cpu') {
    throw new InvalidArgumentError(
      `[transcribe] device "cpu" asked for, but the engine runs on: ${info.backend}`,
    );
  }
  const wanted = WEIGHT_DTYPE_OF[options.computeType];
  if (wanted !== undefined && wanted !== info.weightDtype) {
    throw new InvalidArgumentError(
      `[transcribe] computeType ${options.computeType} is not available for this model: the engine computes in ` +
        `the dtype its weights are stored in (${info.weightDtype}; use "default"): ${options.computeType}`,
    );
  }
}
