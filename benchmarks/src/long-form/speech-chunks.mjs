// @ts-check
/**
 * The VAD chunks a 'vad'-mode transcription decodes: the pipeline's own findSpeechChunks with the run's resolved VAD
 * options (the pipeline does not report its chunks in a transcription's info).
 */
import { findSpeechChunks } from '@verbatim/pipeline';
import { SileroModel } from '@verbatim/vad';

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
    const chunks = await findSpeechChunks(samples, vad, model, undefined);
    return { chunks, seconds: (performance.now() - start) / 1000 };
  } finally {
    await model.dispose();
  }
}
