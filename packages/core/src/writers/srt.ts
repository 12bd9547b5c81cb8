/** SubRip (.srt) output as Whisper's WriteSRT writes it, and parsing it back. */

import type { TranscriptionResult } from '../transcription.js';
import { type Cue, parseCues } from './cues.js';
import { resolveWriterOptions, type WriterOptions } from './options.js';
import { layoutCues } from './subtitle-layout.js';
import { formatTimestamp, SRT_TIMESTAMP_STYLE } from './timestamp.js';

/**
 * `result` as SRT: cues numbered from 1, each `N\nHH:MM:SS,mmm --> HH:MM:SS,mmm\ntext\n` followed by a blank line
 * (so the text ends with `\n\n`); an empty result gives an empty string. Cues are laid out by Whisper's rules (see
 * subtitle-layout.ts) under `options`.
 * Throws InvalidArgumentError for invalid options or a negative or non-finite time. Pure.
 */
export function formatSrt(result: TranscriptionResult, options?: Partial<WriterOptions>): string {
  return layoutCues(result, resolveWriterOptions(options))
    .map(
      (cue, index) =>
        `${index + 1}\n${formatTimestamp(cue.startS, SRT_TIMESTAMP_STYLE)} --> ` +
        `${formatTimestamp(cue.endS, SRT_TIMESTAMP_STYLE)}\n${cue.text}\n\n`,
    )
    .join('');
}

/**
 * The cues in SRT text, in file order, times in seconds (whole milliseconds). Cue numbers are not checked.
 * Throws InvalidArgumentError naming the line of a malformed cue.
 */
export function parseSrt(text: string): Cue[] {
  return parseCues(text, 'srt');
}
