/**
 * 'vad' mode, WhisperX-style: Silero finds the speech, speech spans are merged into chunks of at most 30 s, chunks
 * are decoded in batches (in order), and each chunk's segments are placed back on the original timeline through its
 * time map. Segments are yielded in time order, batch by batch, as each batch finishes.
 */

import { planBatches } from '@verbatim/batching';
import { SAMPLE_RATE_HZ, type Segment } from '@verbatim/core';
import {
  chunkAudio,
  mergeChunks,
  type SileroModel,
  type SpeechChunk,
  speechTimestamps,
  WINDOW_SAMPLES,
} from '@verbatim/vad';
import { placeChunkSegment } from './chunk-placement.js';
import { type RunContext, segmentOf, windowStart } from './run-context.js';
import type { ResolvedVadOptions } from './transcription-options.js';
import { splitWindowTokens } from './window-segments.js';

/**
 * The chunks the speech of `samples` is merged into (none for silence or an empty input): what VAD mode decodes.
 * Public so tools that check a transcription against its chunk boundaries use exactly these chunks.
 */
export async function findSpeechChunks(
  samples: Float32Array,
  vad: ResolvedVadOptions,
  model: SileroModel,
  onProgress: RunContext['onProgress'],
): Promise<SpeechChunk[]> {
  if (samples.length === 0) return [];
  const totalS = samples.length / SAMPLE_RATE_HZ;
  const { spans } = await speechTimestamps(samples, {
    model,
    threshold: vad.threshold,
    negThreshold: vad.negThreshold,
    minSpeechDurationMs: vad.minSpeechDurationMs,
    minSilenceDurationMs: vad.minSilenceDurationMs,
    speechPadMs: vad.speechPadMs,
    maxSpeechDurationS: vad.maxSpeechDurationS,
    ...(onProgress !== undefined && {
      onProgress: (windowsDone: number, windowsTotal: number) =>
        onProgress({
          stage: 'vad',
          doneS: Math.min(totalS, (windowsDone * WINDOW_SAMPLES) / SAMPLE_RATE_HZ),
          totalS: Math.min(totalS, (windowsTotal * WINDOW_SAMPLES) / SAMPLE_RATE_HZ),
        }),
    }),
  });
  return mergeChunks(spans, { sampleRateHz: SAMPLE_RATE_HZ });
}

/** Decodes `chunks` of the run's audio in batches and yields their segments on the original timeline. */
export async function* transcribeChunks(
  context: RunContext,
  chunks: readonly SpeechChunk[],
): AsyncGenerator<Segment> {
  const { samples, decoder, tokenizer } = context;
  const segment = segmentOf(context);
  const totalS = samples.length / SAMPLE_RATE_HZ;
  let nextId = 0;
  for (const batch of planBatches(chunks, { batchSize: context.batchSize })) {
    const batchChunks = batch.itemIndices.map((i) => chunks[i]!);
    const results = await decoder.decode(
      batchChunks.map((chunk) => chunkAudio(samples, chunk)),
      batch.itemIndices.map((i) => windowStart(context, context.prompts.initialPrompt, i)),
    );
    for (const [k, chunk] of batchChunks.entries()) {
      const result = results[k]!;
      if (result.silent) continue;
      for (const piece of splitWindowTokens(result.tokens, tokenizer.special.timestampBegin).segments) {
        const placed = placeChunkSegment(piece, chunk.timeMap);
        if (placed === undefined) continue;
        const made = segment(
          nextId,
          placed.startSample / SAMPLE_RATE_HZ,
          placed.endSample / SAMPLE_RATE_HZ,
          piece.tokens,
          result,
        );
        if (made === undefined) continue;
        nextId++;
        yield made;
      }
    }
    context.onProgress?.({ stage: 'decode', doneS: batchChunks.at(-1)!.endSample / SAMPLE_RATE_HZ, totalS });
  }
}
