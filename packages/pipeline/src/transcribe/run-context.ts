/** What both transcription modes share for one input: its samples, the engine, the tokenizer and the run's settings. */

import type { Segment, Tokenizer } from '@verbatim/core';
import type { DecodeWindowOptions } from '@verbatim/mlx-engine';
import { buildSegment, type WindowScores } from './build-segment.js';
import type { StageTimes } from './stage-times.js';
import type { TranscribeProgress } from './transcription-options.js';
import type { WindowDecoder } from './window-decoder.js';

/** The prompts of a run, as token ids (each text encoded with a leading space, as whisper does). */
export interface PromptTokens {
  readonly initialPrompt: readonly number[];
  readonly prefix: readonly number[];
  readonly hotwords: readonly number[];
}

export interface RunContext {
  /** Mono 16 kHz. */
  readonly samples: Float32Array;
  readonly decoder: WindowDecoder;
  readonly tokenizer: Tokenizer;
  /** The language token to decode with; undefined for English-only models. */
  readonly languageToken: number | undefined;
  readonly prompts: PromptTokens;
  readonly batchSize: number;
  readonly conditionOnPreviousText: boolean;
  /** Sequential mode's silence guard, seconds; undefined: off. */
  readonly hallucinationSilenceThreshold: number | undefined;
  readonly onProgress: ((progress: TranscribeProgress) => void) | undefined;
  /** The run's stage times (the info's), added to by every engine call. */
  readonly stageTimes: StageTimes;
}

/** The start of window `index` (0: the first decoded): the prompts, and the prefix on the first window only. */
export function windowStart(
  context: RunContext,
  previousTokens: readonly number[],
  index: number,
): DecodeWindowOptions {
  const { languageToken, prompts } = context;
  return {
    ...(languageToken !== undefined && { languageToken }),
    previousTokens,
    hotwordTokens: prompts.hotwords,
    prefixTokens: index === 0 ? prompts.prefix : [],
  };
}

/** buildSegment bound to the run's tokenizer. */
export function segmentOf(
  context: RunContext,
): (
  id: number,
  startS: number,
  endS: number,
  tokens: readonly number[],
  scores: WindowScores,
) => Segment | undefined {
  return (id, startS, endS, tokens, scores) =>
    buildSegment(id, startS, endS, tokens, scores, context.tokenizer);
}
