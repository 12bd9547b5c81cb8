import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { formatJson } from './json.js';
import { formatTranscription, isOutputFormat, OUTPUT_FORMATS } from './output-format.js';
import { formatSrt } from './srt.js';
import { FIXTURE_RESULT } from './test-support/transcription-fixture.js';
import { formatTsv } from './tsv.js';
import { formatTxt } from './txt.js';
import { formatVtt } from './vtt.js';

describe('formatTranscription', () => {
  it("lists Whisper's formats", () => {
    expect(OUTPUT_FORMATS).toEqual(['txt', 'vtt', 'srt', 'tsv', 'json']);
    expect(isOutputFormat('srt')).toBe(true);
    expect(isOutputFormat('all')).toBe(false);
    expect(isOutputFormat(3)).toBe(false);
  });

  it('dispatches each format to its writer, passing options to srt and vtt', () => {
    const options = { maxLineWidth: 10 };
    expect(formatTranscription('txt', FIXTURE_RESULT, options)).toBe(formatTxt(FIXTURE_RESULT));
    expect(formatTranscription('vtt', FIXTURE_RESULT, options)).toBe(formatVtt(FIXTURE_RESULT, options));
    expect(formatTranscription('srt', FIXTURE_RESULT, options)).toBe(formatSrt(FIXTURE_RESULT, options));
    expect(formatTranscription('tsv', FIXTURE_RESULT)).toBe(formatTsv(FIXTURE_RESULT));
    expect(formatTranscription('json', FIXTURE_RESULT)).toBe(formatJson(FIXTURE_RESULT));
    expect(formatTranscription('srt', FIXTURE_RESULT, options)).not.toBe(formatSrt(FIXTURE_RESULT));
  });

  it('rejects an unknown format, naming it and the known ones', () => {
    expect(() => formatTranscription('docx', FIXTURE_RESULT)).toThrow(InvalidArgumentError);
    expect(() => formatTranscription('docx', FIXTURE_RESULT)).toThrow(
      '[formatTranscription] unknown output format (expected one of txt, vtt, srt, tsv, json): docx',
    );
  });

  it('validates options for every format', () => {
    expect(() => formatTranscription('txt', FIXTURE_RESULT, { maxWordsPerLine: 0 })).toThrow(
      /maxWordsPerLine must be a positive integer: 0/,
    );
  });
});
