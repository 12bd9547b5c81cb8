/** Plain text (.txt) output as Whisper's WriteTXT writes it. */

import type { TranscriptionResult } from '../transcription.js';
import { stripWhitespace } from './python-compat.js';
import { withSpeakerLabel } from './speaker-label.js';

/**
 * `result` as plain text: each segment's stripped text on its own line, each line ending in `\n` (an empty result
 * gives an empty string); a diarized segment is labelled `[speaker]: ` as WhisperX does. Pure.
 */
export function formatTxt(result: TranscriptionResult): string {
  return result.segments
    .map((segment) => `${withSpeakerLabel(stripWhitespace(segment.text), segment.speaker)}\n`)
    .join('');
}
