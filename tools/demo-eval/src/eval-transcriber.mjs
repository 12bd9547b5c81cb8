// @ts-check
/** The transcriber for synthesized test clips, decoding as tools/train/eval_hf.py asks transformers to. */
import { Transcriber } from '@verbatim/pipeline';

/**
 * One window, English, transcribe, no timestamps, greedy (or `beamSize` beams), no temperature fallback, at most 128
 * new tokens.
 * @param {string} model a model folder or alias @param {number} [beamSize] 1: greedy, as eval_hf.py
 */
export function evalTranscriber(model, beamSize = 1) {
  return Transcriber.create({
    model,
    mode: 'sequential',
    language: 'en',
    task: 'transcribe',
    withoutTimestamps: true,
    temperatures: [0],
    beamSize,
    maxNewTokens: 128,
    conditionOnPreviousText: false,
  });
}
