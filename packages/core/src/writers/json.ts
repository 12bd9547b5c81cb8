/** JSON (.json) output: the result as Whisper's WriteJSON writes its `result` dict. */

import type { Segment, TranscriptionResult, Word } from '../transcription.js';
import { transcriptionText } from '../transcription.js';
import { pythonFloat, pythonInt, pythonList, pythonObject, pythonString } from './python-json.js';

/**
 * `result` as the JSON Whisper writes: `{"text", "segments", "language"}`, each segment with Whisper's snake_case
 * keys in Whisper's order (`id, start, end, text, tokens, temperature, avg_logprob, compression_ratio,
 * no_speech_prob`, then `words` when the segment has word timings, each `{word, start, end, probability}`, then
 * WhisperX's `speaker` when diarized). Whisper's `seek` is left out: segments do not carry it. Serialized byte for
 * byte as Python's `json.dump` does (see python-json.ts); the same result always gives the same text. Pure.
 */
export function formatJson(result: TranscriptionResult): string {
  return pythonObject([
    ['text', pythonString(transcriptionText(result.segments))],
    ['segments', pythonList(result.segments.map(segmentJson))],
    ['language', pythonString(result.info.language)],
  ]);
}

function segmentJson(segment: Segment): string {
  const entries: [string, string][] = [
    ['id', pythonInt(segment.id)],
    ['start', pythonFloat(segment.startS)],
    ['end', pythonFloat(segment.endS)],
    ['text', pythonString(segment.text)],
    ['tokens', pythonList(segment.tokens.map(pythonInt))],
    ['temperature', pythonFloat(segment.temperature)],
    ['avg_logprob', pythonFloat(segment.avgLogprob)],
    ['compression_ratio', pythonFloat(segment.compressionRatio)],
    ['no_speech_prob', pythonFloat(segment.noSpeechProb)],
  ];
  if (segment.words !== undefined) entries.push(['words', pythonList(segment.words.map(wordJson))]);
  if (segment.speaker !== undefined) entries.push(['speaker', pythonString(segment.speaker)]);
  return pythonObject(entries);
}

function wordJson(word: Word): string {
  return pythonObject([
    ['word', pythonString(word.word)],
    ['start', pythonFloat(word.startS)],
    ['end', pythonFloat(word.endS)],
    ['probability', pythonFloat(word.probability)],
  ]);
}
