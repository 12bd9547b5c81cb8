/**
 * The engine side of a transcription: 30 s windows of samples in, decode results out. Encodes the batch from its
 * samples (the engine computes the log-mel where the encoder runs) and decodes it natively with the run's options,
 * or gives each window's language probabilities. Every step runs off the JavaScript thread (the engine's promises), one model call at a time.
 */

import type { Tokenizer } from '@verbatim/core';
import type { DecodeOptions, DecodeResult, DecodeWindowOptions, WhisperModel } from '@verbatim/mlx-engine';
import { type StageTimes, timed } from './stage-times.js';
import type { ResolvedTranscriptionOptions } from './transcription-options.js';

export class WindowDecoder {
  readonly #model: WhisperModel;
  readonly #options: Omit<DecodeOptions, 'windows'>;

  /** @param modelSuppressTokens what -1 in `suppressTokens` stands for when the model names it (see model-suppress-tokens.ts). */
  constructor(
    model: WhisperModel,
    tokenizer: Tokenizer,
    options: ResolvedTranscriptionOptions,
    modelSuppressTokens?: readonly number[],
  ) {
    this.#model = model;
    this.#options = engineDecodeOptions(options, tokenizer, modelSuppressTokens);
  }

  /**
   * Decodes one batch: `windows[i]` (≤ 30 s of 16 kHz samples, zero-padded by the engine) starts as `starts[i]`.
   * With `times`, the log-mel and encoder call and the decoder call are added to it.
   */
  async decode(
    windows: readonly Float32Array[],
    starts: readonly DecodeWindowOptions[],
    times?: StageTimes,
  ): Promise<DecodeResult[]> {
    const encoded = await this.#encode(windows, times);
    try {
      return await timed(times, 'decodeS', () =>
        this.#model.decode(encoded, { ...this.#options, windows: starts }),
      );
    } finally {
      await encoded.dispose();
    }
  }

  /** Each window's probability of every language token (multilingual models only). */
  async languageProbabilities(windows: readonly Float32Array[]): Promise<Float32Array[]> {
    const encoded = await this.#encode(windows);
    try {
      return await this.#model.detectLanguage(encoded);
    } finally {
      await encoded.dispose();
    }
  }

  /**
   * The batch's log-mel and the encoder in one engine call: on a GPU the log-mel is computed there, and neither the
   * samples' log-mel nor its time comes back apart.
   */
  #encode(windows: readonly Float32Array[], times?: StageTimes) {
    return timed(times, 'encodeS', () => this.#model.encodeSamples(windows));
  }
}

/**
 * The engine's decode options for a run (the windows' starts aside). A beam of 1 is greedy decoding, which the
 * engine spells 0; undefined thresholds are off (null).
 */
export function engineDecodeOptions(
  options: ResolvedTranscriptionOptions,
  tokenizer: Tokenizer,
  modelSuppressTokens?: readonly number[],
): Omit<DecodeOptions, 'windows'> {
  return {
    task: options.task,
    timestamps: !options.withoutTimestamps,
    ...(options.maxNewTokens !== undefined && { maxNewTokens: options.maxNewTokens }),
    temperatures: options.temperatures,
    beamSize: options.beamSize > 1 ? options.beamSize : 0,
    patience: options.patience,
    lengthPenalty: options.lengthPenalty ?? null,
    bestOf: options.bestOf,
    suppressBlank: options.suppressBlank,
    suppressTokens: tokenizer.suppressTokens(options.suppressTokens, modelSuppressTokens),
    maxInitialTimestamp: options.maxInitialTimestampS,
    compressionRatioThreshold: options.compressionRatioThreshold ?? null,
    logprobThreshold: options.logProbThreshold ?? null,
    noSpeechThreshold: options.noSpeechThreshold ?? null,
  };
}
