/**
 * Teacher forcing as the reference run did it: the clip's log-mel (@verbatim/audio, which matches
 * WhisperFeatureExtractor) through the encoder, then the fixture's prompt appended in one call, logits for every
 * position. Plus the summaries the fixtures keep of full logit rows.
 */
import { logMelSpectrogram } from '@verbatim/audio';
import { loadReferenceClip, type ReferenceClip } from '@verbatim/reference';
import type { WhisperModel } from '../whisper-model.js';

/** The engine's input for one reference clip: its first 30 s window as log-mel. */
export function referenceMel(model: WhisperModel, clip: ReferenceClip): Float32Array {
  return logMelSpectrogram(loadReferenceClip(clip), model.info.dims.nMels);
}

/** Logits of every position of `prompt` ([prompt.length, nVocab]) for one window of log-mel. */
export async function teacherForcedLogits(
  model: WhisperModel,
  mel: Float32Array,
  prompt: readonly number[],
): Promise<Float32Array> {
  await using output = await model.encode(mel, 1);
  await using session = model.newDecoderSession(output);
  return session.append(Int32Array.from(prompt), prompt.length, { all: true });
}

/** The logits at the reference's top-k ids: rows × k values, in the order of `ids`. */
export function gatherTopK(logits: Float32Array, nVocab: number, ids: Int32Array, k: number): Float32Array {
  return Float32Array.from(ids, (id, i) => logits[Math.floor(i / k) * nVocab + id] ?? Number.NaN);
}

/** log Σ exp of each row of [rows, nVocab], in float64. */
export function logSumExpRows(logits: Float32Array, nVocab: number): Float64Array {
  const rows = logits.length / nVocab;
  return Float64Array.from({ length: rows }, (_, row) => {
    const values = logits.subarray(row * nVocab, (row + 1) * nVocab);
    const max = values.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
    let sum = 0;
    for (const value of values) sum += Math.exp(value - max);
    return max + Math.log(sum);
  });
}

/** Rows `positions` of [rows, nVocab], concatenated. */
export function selectRows(logits: Float32Array, nVocab: number, positions: readonly number[]): Float32Array {
  const out = new Float32Array(positions.length * nVocab);
  positions.forEach((row, i) => {
    out.set(logits.subarray(row * nVocab, (row + 1) * nVocab), i * nVocab);
  });
  return out;
}
