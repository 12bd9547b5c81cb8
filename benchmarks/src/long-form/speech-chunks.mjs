// @ts-check
/**
 * The VAD chunks a 'vad'-mode transcription decodes, recomputed outside the pipeline (which does not report them):
 * @verbatim/vad's speechTimestamps with the run's resolved VAD options, then mergeChunks at 16 kHz — the calls the
 * pipeline's findSpeechChunks makes (packages/pipeline/src/transcribe/vad-transcription.ts), so the chunks are the
 * same ones as long as the two stay in step.
 */
import { SAMPLE_RATE_HZ } from '@verbatim/core';
import { mergeChunks, SileroModel, speechTimestamps } from '@verbatim/vad';

/** @typedef {import('@verbatim/pipeline').ResolvedVadOptions} ResolvedVadOptions */

/**
 * @param {Float32Array} samples mono, 16 kHz
 * @param {ResolvedVadOptions} vad the resolved VAD options (a transcription's `info.options.vad`)
 * @returns {Promise<{ chunks: import('@verbatim/vad').SpeechChunk[], seconds: number }>} the chunks, and the wall
 *   seconds that Silero and the merging took (model load excluded)
 */
export async function speechChunks(samples, vad) {
  const model = await SileroModel.load(vad.model);
  try {
    const start = performance.now();
    const { spans } = await speechTimestamps(samples, {
      model,
      threshold: vad.threshold,
      negThreshold: vad.negThreshold,
      minSpeechDurationMs: vad.minSpeechDurationMs,
      minSilenceDurationMs: vad.minSilenceDurationMs,
      speechPadMs: vad.speechPadMs,
      maxSpeechDurationS: vad.maxSpeechDurationS,
    });
    const chunks = mergeChunks(spans, { sampleRateHz: SAMPLE_RATE_HZ });
    return { chunks, seconds: (performance.now() - start) / 1000 };
  } finally {
    await model.dispose();
  }
}
