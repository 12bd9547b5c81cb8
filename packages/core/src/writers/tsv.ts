/** Tab-separated (.tsv) output as Whisper's WriteTSV writes it. */

import type { TranscriptionResult } from '../transcription.js';
import { stripWhitespace } from './python-compat.js';
import { secondsToMilliseconds } from './timestamp.js';

/**
 * `result` as TSV: the header `start\tend\ttext`, then one row per segment with start and end in whole milliseconds
 * (rounded as Whisper rounds, ties to even) and the stripped text with each tab written as a space; every row ends
 * in `\n`. Integer milliseconds keep the file free of locale decimal separators.
 * Throws InvalidArgumentError for a non-finite time. Pure.
 */
export function formatTsv(result: TranscriptionResult): string {
  const rows = result.segments.map((segment) => {
    const text = stripWhitespace(segment.text).replaceAll('\t', ' ');
    return `${secondsToMilliseconds(segment.startS)}\t${secondsToMilliseconds(segment.endS)}\t${text}\n`;
  });
  return `start\tend\ttext\n${rows.join('')}`;
}
