/** Timed subtitle cues, and reading them back from SRT and VTT text. */

import { InvalidArgumentError } from '../errors.js';
import { parseTimestamp } from './timestamp.js';

/** One subtitle cue. Times are in seconds; `text` keeps its line breaks as `\n`. */
export interface Cue {
  readonly startS: number;
  readonly endS: number;
  readonly text: string;
}

export type CueFileFormat = 'srt' | 'vtt';

const TIMING_LINE = /^(\S+)[ \t]+-->[ \t]+(\S+)(?:[ \t].*)?$/;
const VTT_HEADER = /^WEBVTT(?:[ \t].*)?$/;
// WebVTT blocks that hold no cue.
const VTT_NON_CUE_BLOCK = /^(?:NOTE|STYLE|REGION)(?:[ \t]|$)/;

/**
 * The cues in an SRT or VTT file's text. Blocks are separated by blank lines; in each, an optional cue number or
 * identifier line, a timing line `start --> end` (either decimal marker, hours optional; VTT cue settings after
 * the end time are ignored), then the text lines. A VTT file must start with `WEBVTT`; its NOTE, STYLE and REGION
 * blocks are skipped. A leading BOM and CRLF line ends are accepted.
 * Throws InvalidArgumentError naming the line number and line when the header, a timing line or a timestamp is
 * malformed.
 */
export function parseCues(text: string, format: CueFileFormat): Cue[] {
  const operation = format === 'srt' ? 'parseSrt' : 'parseVtt';
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  let index = 0;
  if (format === 'vtt') {
    if (!VTT_HEADER.test(lines[0] ?? '')) {
      throw new InvalidArgumentError(`[${operation}] line 1 must start with WEBVTT: ${lines[0] ?? ''}`);
    }
    index = endOfBlock(lines, 0);
  }
  const cues: Cue[] = [];
  for (;;) {
    while (index < lines.length && lines[index] === '') index += 1;
    if (index >= lines.length) return cues;
    const start = index;
    index = endOfBlock(lines, start);
    const block = lines.slice(start, index);
    const timingAt = block.findIndex((line) => line.includes('-->'));
    if (format === 'vtt' && timingAt === -1 && VTT_NON_CUE_BLOCK.test(block[0]!)) continue;
    if (timingAt === -1 || timingAt > 1) {
      throw new InvalidArgumentError(
        `[${operation}] expected a timing line (start --> end) at line ${start + 1}: ${block[0]}`,
      );
    }
    const lineNumber = start + timingAt + 1;
    const timing = block[timingAt]!;
    const match = TIMING_LINE.exec(timing);
    const startS = match === null ? undefined : parseTimestamp(match[1]!);
    const endS = match === null ? undefined : parseTimestamp(match[2]!);
    if (startS === undefined || endS === undefined) {
      throw new InvalidArgumentError(`[${operation}] malformed timing line at line ${lineNumber}: ${timing}`);
    }
    cues.push({ startS, endS, text: block.slice(timingAt + 1).join('\n') });
  }
}

/** Index of the first blank line at or after `start`, or the line count. */
function endOfBlock(lines: readonly string[], start: number): number {
  let end = start;
  while (end < lines.length && lines[end] !== '') end += 1;
  return end;
}
