/**
 * Sequential mode: the seek loop (seek-loop.ts) run on the engine, one 30 s window at a time. Each window's log-mel
 * is computed from its own samples (zero-padded to 30 s), as WhisperX and transformers do, not sliced from one
 * spectrogram of the whole file as openai-whisper does: the frames near a window's edges and the normalisation (which
 * depends on the loudest frame in view) can differ slightly from openai-whisper's.
 */

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
        context.stageTimes,
      );
      return result!;
    },
    ...(onProgress !== undefined && {
      onAdvance: (seekFrames: number) =>
        onProgress({ stage: 'decode', doneS: Math.min(totalS, seekFrames / FRAMES_PER_SECOND), totalS }),
    }),
  });
}
