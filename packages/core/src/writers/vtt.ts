/** WebVTT (.vtt) output as Whisper's WriteVTT writes it, and parsing it back. */

import type { TranscriptionResult } from '../transcription.js';
import { type Cue, parseCues } from './cues.js';
import { resolveWriterOptions, type WriterOptions } from './options.js';
import { layoutCues } from './subtitle-layout.js';
import { formatTimestamp, VTT_TIMESTAMP_STYLE } from './timestamp.js';

/**
 * `result` as WebVTT: `WEBVTT` and a blank line, then each cue as `start --> end\ntext\n` and a blank line. As in
 * Whisper, timestamps leave out the hours while they are zero (`MM:SS.mmm`, then `HH:MM:SS.mmm` from one hour on);
 * both forms are valid WebVTT. Cues are laid out by Whisper's rules (see subtitle-layout.ts) under `options`.
 * Throws InvalidArgumentError for invalid options or a negative or non-finite time. Pure.
 */
export function formatVtt(result: TranscriptionResult, options?: Partial<WriterOptions>): string {
  const cues = layoutCues(result, resolveWriterOptions(options)).map(
    (cue) =>
      `${formatTimestamp(cue.startS, VTT_TIMESTAMP_STYLE)} --> ` +
      `${formatTimestamp(cue.endS, VTT_TIMESTAMP_STYLE)}\n${cue.text}\n\n`,
  );
  return `WEBVTT\n\n${cues.join('')}`;
}

/**
 * The cues in WebVTT text, in file order, times in seconds (whole milliseconds); NOTE, STYLE and REGION blocks and
 * cue identifiers and settings are skipped. Throws InvalidArgumentError naming the line of a missing `WEBVTT` header
 * or a malformed cue.
 */
export function parseVtt(text: string): Cue[] {
  return parseCues(text, 'vtt');
}
