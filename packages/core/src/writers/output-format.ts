/** The output formats by name, and one entry point that writes any of them. */

import { InvalidArgumentError } from '../errors.js';
import type { TranscriptionResult } from '../transcription.js';
import { formatJson } from './json.js';
import { resolveWriterOptions, type WriterOptions } from './options.js';
import { formatSrt } from './srt.js';
import { formatTsv } from './tsv.js';
import { formatTxt } from './txt.js';
import { formatVtt } from './vtt.js';

/** Output format names, which are also their file extensions, in Whisper's order. */
export const OUTPUT_FORMATS = ['txt', 'vtt', 'srt', 'tsv', 'json'] as const;

export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

const WRITERS: Readonly<
  Record<OutputFormat, (result: TranscriptionResult, options: WriterOptions) => string>
> = {
  txt: formatTxt,
  vtt: formatVtt,
  srt: formatSrt,
  tsv: formatTsv,
  json: formatJson,
};

export function isOutputFormat(value: unknown): value is OutputFormat {
  return typeof value === 'string' && (OUTPUT_FORMATS as readonly string[]).includes(value);
}

/**
 * `result` written as `format`. `options` shape srt and vtt cues and are validated for every format.
 * Throws InvalidArgumentError naming an unknown format or an invalid option, or (as the format's writer does) a bad
 * time. Pure.
 */
export function formatTranscription(
  format: string,
  result: TranscriptionResult,
  options?: Partial<WriterOptions>,
): string {
  if (!isOutputFormat(format)) {
    throw new InvalidArgumentError(
      `[formatTranscription] unknown output format (expected one of ${OUTPUT_FORMATS.join(', ')}): ${format}`,
    );
  }
  return WRITERS[format](result, resolveWriterOptions(options));
}
