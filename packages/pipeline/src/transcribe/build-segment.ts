/** A decoded window's piece turned into the Segment the pipeline yields. */

import type { Segment, Tokenizer } from '@verbatim/core';

/** What the decoder reported for a whole window, copied into each of its segments (as whisper does). */
export interface WindowScores {
  readonly temperature: number;
  readonly avgLogprob: number;
  readonly compressionRatio: number;
  readonly noSpeechProb: number;
}

/**
 * The segment for `tokens` between `startS` and `endS` (original timeline), or undefined when it holds no text:
 * like faster-whisper, segments of whitespace only are left out rather than emitted empty.
 */
export function buildSegment(
  id: number,
  startS: number,
  endS: number,
  tokens: readonly number[],
  scores: WindowScores,
  tokenizer: Tokenizer,
): Segment | undefined {
  const text = tokenizer.decode(tokens);
  if (text.trim() === '') return undefined;
  return {
    id,
    startS,
    endS,
    text,
    tokens: [...tokens],
    temperature: scores.temperature,
    avgLogprob: scores.avgLogprob,
    compressionRatio: scores.compressionRatio,
    noSpeechProb: scores.noSpeechProb,
  };
}
