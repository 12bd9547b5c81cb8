/** transcribe(): one input, start to end, with a model loaded for it and freed once its segments are read. */

import type { Segment } from '@verbatim/core';
import type { TranscribeInput } from './transcribe-input.js';
import { Transcriber, type Transcription } from './transcriber.js';
import type { TranscriptionOptions } from './transcription-options.js';

/**
 * Transcribes `input` (a file path, a Float32Array of mono 16 kHz samples, or an AudioBuffer) with `options`
 * (see TranscriptionOptions; every one has a default). Resolves with the info — language given or detected, duration,
 * model, the options resolved — once the audio is read and its speech found; the segments are decoded as they are
 * iterated, in time order. The model is freed when the iteration ends (completed, broken off or failed); to
 * transcribe several inputs with one model, use Transcriber.create().
 * @throws as Transcriber.create() and Transcriber.transcribe().
 */
export async function transcribe(
  input: TranscribeInput,
  options: TranscriptionOptions = {},
): Promise<Transcription> {
  const transcriber = await Transcriber.create(options);
  let transcription: Transcription;
  try {
    transcription = await transcriber.transcribe(input);
  } catch (error) {
    await transcriber.dispose();
    throw error;
  }
  return { info: transcription.info, segments: disposingAfter(transcription.segments, transcriber) };
}

async function* disposingAfter(
  segments: AsyncIterable<Segment>,
  transcriber: Transcriber,
): AsyncGenerator<Segment> {
  try {
    yield* segments;
  } finally {
    await transcriber.dispose();
  }
}
