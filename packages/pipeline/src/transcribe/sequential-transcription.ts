/** Sequential mode: the seek loop (seek-loop.ts) run on the engine, one 30 s window at a time. */

import { FRAMES_PER_SECOND, HOP_LENGTH_SAMPLES, SAMPLE_RATE_HZ, type Segment } from '@verbatim/core';
import { type RunContext, segmentOf, windowStart } from './run-context.js';
import { seekLoop } from './seek-loop.js';

export function transcribeSequentially(context: RunContext): AsyncGenerator<Segment> {
  const { samples, decoder, tokenizer, onProgress } = context;
  const totalS = samples.length / SAMPLE_RATE_HZ;
  return seekLoop({
    contentFrames: Math.floor(samples.length / HOP_LENGTH_SAMPLES),
    timestampBegin: tokenizer.special.timestampBegin,
    initialPromptTokens: context.prompts.initialPrompt,
    conditionOnPreviousText: context.conditionOnPreviousText,
    hallucinationSilenceThresholdS: context.hallucinationSilenceThreshold,
    buildSegment: segmentOf(context),
    decodeWindow: async (window) => {
      const start = window.seekFrames * HOP_LENGTH_SAMPLES;
      const audio = samples.subarray(start, start + window.segmentFrames * HOP_LENGTH_SAMPLES);
      const [result] = await decoder.decode(
        [audio],
        [windowStart(context, window.previousTokens, window.index)],
      );
      return result!;
    },
    ...(onProgress !== undefined && {
      onAdvance: (seekFrames: number) =>
        onProgress({ stage: 'decode', doneS: Math.min(totalS, seekFrames / FRAMES_PER_SECOND), totalS }),
    }),
  });
}
