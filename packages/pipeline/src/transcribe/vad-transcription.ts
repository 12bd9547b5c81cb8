/**
 * 'vad' mode, WhisperX-style: Silero finds the speech, speech spans are merged into chunks of at most 30 s, chunks
 * are decoded in batches (in order), a chunk whose text stopped early is resumed from there, and each chunk's
 * segments are placed back on the original timeline through its time map. Segments are yielded in time order, each
 * chunk's once it is complete.
 */

import { availableParallelism } from 'node:os';
import { SAMPLE_RATE_HZ, type Segment } from '@verbatim/core';
import {
  chunkAudio,
  mergeChunks,
  SileroModel,
  type SileroVersion,
  SileroWorkers,
  type SpeechChunk,
  speechTimestamps,
  WINDOW_SAMPLES,
} from '@verbatim/vad';
import { chunkDecodeLoop } from './chunk-decode-loop.js';
import { type RunContext, segmentOf, windowStart } from './run-context.js';
import type { ResolvedVadOptions } from './transcription-options.js';

/**
 * Threads Silero's pieces are shared among: the machine's cores, at most 16. The same speech either way; 30 minutes
 * are 30 pieces, which one thread advances as 30 rows a model call (~2.7 s on an H200 machine's host) and 16 as two
 * rows each.
 */
const VAD_THREADS = Math.min(16, availableParallelism());

/**
 * Silero for a Transcriber's many inputs: started once on VAD_THREADS worker threads (their start, ~0.15–0.4 s, then
 * overlaps the Whisper model's load instead of every file's VAD), or on this thread for a one-core machine.
 */
export function loadVad(version: SileroVersion): Promise<SileroModel | SileroWorkers> {
  return VAD_THREADS > 1 ? SileroWorkers.start(version, { threads: VAD_THREADS }) : SileroModel.load(version);
}

/**
 * The chunks the speech of `samples` is merged into (none for silence or an empty input): what VAD mode decodes.
 * Public so tools that check a transcription against its chunk boundaries use exactly these chunks.
 */
export async function findSpeechChunks(
  samples: Float32Array,
  vad: ResolvedVadOptions,
  model: SileroModel | SileroWorkers,
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
    // A SileroModel on this thread still shares the pieces among threads started for the call.
    ...(model instanceof SileroModel && { threads: VAD_THREADS }),
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

/**
 * Decodes `chunks` of the run's audio in batches, resuming those whose text stopped early (see chunk-decode-loop.ts),
 * and yields their segments on the original timeline.
 */
export function transcribeChunks(
  context: RunContext,
  chunks: readonly SpeechChunk[],
): AsyncGenerator<Segment> {
  const { samples, decoder, tokenizer, onProgress } = context;
  const totalS = samples.length / SAMPLE_RATE_HZ;
  return chunkDecodeLoop({
    chunks,
    batchSize: context.batchSize,
    timestampBegin: tokenizer.special.timestampBegin,
    buildSegment: segmentOf(context),
    decodeBatch: (windows) =>
      decoder.decode(
        windows.map((window) => chunkAudio(samples, chunks[window.chunkIndex]!).subarray(window.startSample)),
        windows.map((window) => windowStart(context, context.prompts.initialPrompt, window.index)),
        context.stageTimes,
      ),
    ...(onProgress !== undefined && {
      onChunksDone: (chunksDone: number) =>
        onProgress({ stage: 'decode', doneS: chunks[chunksDone - 1]!.endSample / SAMPLE_RATE_HZ, totalS }),
    }),
  });
}
