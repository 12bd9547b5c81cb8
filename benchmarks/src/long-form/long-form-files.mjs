// @ts-check
/**
 * Reading the long-form files: the reference JSON tools/longform/build_longform.py writes next to its WAV, and a
 * transcript as verbatim's JSON output (`verbatim transcribe --output-format json`: Whisper's result dict).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const REFERENCE_FORMAT = 'verbatim-longform-1';

/**
 * @typedef {object} LongFormReference
 * @property {string} path the reference JSON
 * @property {string} wavPath the recording it describes (next to it)
 * @property {string} wavSha256
 * @property {number} sampleRateHz
 * @property {number} durationS
 * @property {number} speechS
 * @property {Record<string, unknown>} settings the builder's settings (seed, pauses, levels, …)
 * @property {{ startSample: number, endSample: number, text: string }[]} utterances in order of time
 */

/**
 * @param {string} path
 * @returns {LongFormReference}
 * @throws Error when the file is not a reference of REFERENCE_FORMAT.
 */
export function readLongFormReference(path) {
  const json = JSON.parse(readFileSync(path, 'utf8'));
  if (json?.format !== REFERENCE_FORMAT || !Array.isArray(json.utterances)) {
    throw new Error(`[readLongFormReference] not a ${REFERENCE_FORMAT} reference: ${path}`);
  }
  let previousEnd = 0;
  const utterances = json.utterances.map((/** @type {any} */ u, /** @type {number} */ i) => {
    const ordered = Number.isSafeInteger(u.start) && Number.isSafeInteger(u.end) && u.start >= previousEnd;
    if (!ordered || u.end <= u.start || typeof u.text !== 'string') {
      throw new Error(`[readLongFormReference] utterance ${i} is not ordered samples with a text: ${path}`);
    }
    previousEnd = u.end;
    return { startSample: u.start, endSample: u.end, text: u.text };
  });
  return {
    path,
    wavPath: join(dirname(path), json.wav),
    wavSha256: json.wav_sha256,
    sampleRateHz: json.sample_rate,
    durationS: json.duration_s,
    speechS: json.speech_s,
    settings: json.settings,
    utterances,
  };
}

/**
 * The segments of a verbatim JSON transcript (`{"segments": [{"start", "end", "text", …}]}`).
 * @param {string} path
 * @returns {{ startS: number, endS: number, text: string }[]}
 */
export function readTranscriptSegments(path) {
  const json = JSON.parse(readFileSync(path, 'utf8'));
  if (!Array.isArray(json?.segments)) throw new Error(`[readTranscriptSegments] no "segments" list: ${path}`);
  return json.segments.map((/** @type {any} */ segment, /** @type {number} */ i) => {
    if (
      typeof segment.text !== 'string' ||
      typeof segment.start !== 'number' ||
      typeof segment.end !== 'number'
    ) {
      throw new Error(`[readTranscriptSegments] segment ${i} lacks start, end or text: ${path}`);
    }
    return { startS: segment.start, endS: segment.end, text: segment.text };
  });
}
