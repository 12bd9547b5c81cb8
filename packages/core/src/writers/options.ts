/**
 * Subtitle layout options for the SRT and VTT writers, named after Whisper's writer options (`max_line_width`,
 * `max_line_count`, `max_words_per_line`, `highlight_words`) with the same defaults. They act only on results with
 * word timings; without words every segment is one cue. The txt, tsv and json writers ignore them.
 */

import { InvalidArgumentError } from '../errors.js';

export interface WriterOptions {
  /**
   * Characters (Unicode code points, leading space of each word included) a line may hold before the next word
   * starts a new line. Undefined means no limit (Whisper's 1000). Default: undefined.
   */
  maxLineWidth: number | undefined;
  /**
   * Lines a cue may hold before the next line starts a new cue. Acts only together with maxLineWidth (Whisper then
   * also lets cues run across segments and breaks on pauses over 3 s); alone it has no effect, as in Whisper.
   * Default: undefined.
   */
  maxLineCount: number | undefined;
  /**
   * Words per cue: each segment's words are taken this many at a time and every group starts a new cue. No effect
   * when maxLineWidth and maxLineCount are both set (cues then run across segments). Default: undefined.
   */
  maxWordsPerLine: number | undefined;
  /** Emit one cue per word with that word wrapped in `<u>…</u>` (karaoke style). Default: false. */
  highlightWords: boolean;
}

export const DEFAULT_WRITER_OPTIONS: Readonly<WriterOptions> = Object.freeze({
  maxLineWidth: undefined,
  maxLineCount: undefined,
  maxWordsPerLine: undefined,
  highlightWords: false,
});

/**
 * Fills defaults and validates. Throws InvalidArgumentError naming the option and value when a limit is not a
 * positive integer (Whisper reads 0 as "no limit"; here leave the option undefined for that) or highlightWords is not
 * a boolean.
 */
export function resolveWriterOptions(given: Partial<WriterOptions> = {}): WriterOptions {
  const options: WriterOptions = { ...DEFAULT_WRITER_OPTIONS, ...given };
  optionalPositiveInteger('maxLineWidth', options.maxLineWidth);
  optionalPositiveInteger('maxLineCount', options.maxLineCount);
  optionalPositiveInteger('maxWordsPerLine', options.maxWordsPerLine);
  if (typeof options.highlightWords !== 'boolean') {
    throw new InvalidArgumentError(
      `[writers] highlightWords must be a boolean: ${String(options.highlightWords)}`,
    );
  }
  return options;
}

function optionalPositiveInteger(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= 1)) {
    throw new InvalidArgumentError(`[writers] ${name} must be a positive integer: ${value}`);
  }
}
