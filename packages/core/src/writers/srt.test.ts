import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import type { TranscriptionResult } from '../transcription.js';
import { formatSrt, parseSrt } from './srt.js';
import { readGolden } from './test-support/golden.js';
import { FIXTURE_RESULT, withoutWords } from './test-support/transcription-fixture.js';

const EMPTY: TranscriptionResult = { ...FIXTURE_RESULT, segments: [] };

describe('formatSrt', () => {
  it('writes a result with word timings as the golden file', () => {
    expect(formatSrt(FIXTURE_RESULT)).toBe(readGolden('transcript.golden.srt'));
  });

  it('writes a result without word timings as the golden file, one cue per segment', () => {
    expect(formatSrt(withoutWords(FIXTURE_RESULT))).toBe(readGolden('transcript-segments.golden.srt'));
  });

  it('writes nothing for an empty result', () => {
    expect(formatSrt(EMPTY)).toBe('');
  });

  it('rejects a negative time, naming it', () => {
    const [first] = FIXTURE_RESULT.segments;
    const negative = withoutWords({ ...FIXTURE_RESULT, segments: [{ ...first!, startS: -1 }] });
    expect(() => formatSrt(negative)).toThrow(InvalidArgumentError);
    expect(() => formatSrt(negative)).toThrow(/-1/);
  });
});

describe('parseSrt', () => {
  it('accepts a BOM, CRLF line ends, multi-line cues, empty cue text and extra blank lines', () => {
    const text =
      '\uFEFF1\r\n00:00:01,000 --> 00:00:02,500\r\nline one\r\nline two\r\n\r\n\r\n' +
      '2\r\n00:00:03,000 --> 00:00:04,000\r\n\r\n3\r\n00:00:05.000 --> 00:00:06,000\r\nlast\r\n';
    expect(parseSrt(text)).toEqual([
      { startS: 1, endS: 2.5, text: 'line one\nline two' },
      { startS: 3, endS: 4, text: '' },
      { startS: 5, endS: 6, text: 'last' },
    ]);
  });

  it('returns no cues for empty text', () => {
    expect(parseSrt('')).toEqual([]);
  });

  it('rejects a block without a timing line, naming the line', () => {
    expect(() => parseSrt('1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\nno timing here\n')).toThrow(
      /line 5: 2/,
    );
    expect(() => parseSrt('1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\nno timing here\n')).toThrow(
      InvalidArgumentError,
    );
  });

  it('rejects a malformed timestamp, naming the line', () => {
    expect(() => parseSrt('1\n00:00:01 --> 00:00:02,000\ntext\n')).toThrow(
      /\[parseSrt\] malformed timing line at line 2: 00:00:01 --> 00:00:02,000/,
    );
  });
});
