import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import type { TranscriptionResult } from '../transcription.js';
import { readGolden } from './test-support/golden.js';
import { FIXTURE_RESULT, withoutWords } from './test-support/transcription-fixture.js';
import { formatVtt, parseVtt } from './vtt.js';

const EMPTY: TranscriptionResult = { ...FIXTURE_RESULT, segments: [] };

describe('formatVtt', () => {
  it('writes a result with word timings as the golden file', () => {
    expect(formatVtt(FIXTURE_RESULT)).toBe(readGolden('transcript.golden.vtt'));
  });

  it('writes a result without word timings as the golden file, one cue per segment', () => {
    expect(formatVtt(withoutWords(FIXTURE_RESULT))).toBe(readGolden('transcript-segments.golden.vtt'));
  });

  it('writes only the header for an empty result', () => {
    expect(formatVtt(EMPTY)).toBe('WEBVTT\n\n');
  });

  it('rejects invalid options, naming the value', () => {
    expect(() => formatVtt(FIXTURE_RESULT, { maxLineWidth: -5 })).toThrow(/maxLineWidth must be .*: -5/);
  });
});

describe('parseVtt', () => {
  it('skips the header text, NOTE, STYLE and REGION blocks, cue identifiers and cue settings', () => {
    const text =
      'WEBVTT - a title\nKind: captions\n\nNOTE a comment\nspanning lines\n\nSTYLE\n::cue { color: red }\n\n' +
      'intro\n00:01.000 --> 00:02.000 align:start line:0\nHello\n\n00:00:03.000 --> 00:00:04.000\nthere\n';
    expect(parseVtt(text)).toEqual([
      { startS: 1, endS: 2, text: 'Hello' },
      { startS: 3, endS: 4, text: 'there' },
    ]);
  });

  it('requires the WEBVTT header', () => {
    expect(() => parseVtt('00:01.000 --> 00:02.000\nHello\n')).toThrow(InvalidArgumentError);
    expect(() => parseVtt('')).toThrow(/\[parseVtt\] line 1 must start with WEBVTT/);
  });

  it('rejects a block without a timing line, naming the line', () => {
    expect(() => parseVtt('WEBVTT\n\njust text\n')).toThrow(/line 3: just text/);
  });
});
