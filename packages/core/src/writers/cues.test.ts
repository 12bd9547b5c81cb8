import { describe, expect, it } from 'vitest';
import type { TranscriptionResult } from '../transcription.js';
import type { Cue } from './cues.js';
import { formatSrt, parseSrt } from './srt.js';
import { FIXTURE_RESULT, withoutWords } from './test-support/transcription-fixture.js';
import { formatVtt, parseVtt } from './vtt.js';

const FORMATS: [string, (result: TranscriptionResult) => string, (text: string) => Cue[]][] = [
  ['srt', formatSrt, parseSrt],
  ['vtt', formatVtt, parseVtt],
];

describe.each(FORMATS)('%s written and parsed back', (_name, format, parse) => {
  it('gives the segment times (as whole ms) and stripped texts without word timings', () => {
    expect(parse(format(withoutWords(FIXTURE_RESULT)))).toEqual(
      FIXTURE_RESULT.segments.map((segment) => ({
        startS: Math.round(segment.startS * 1000) / 1000,
        endS: Math.round(segment.endS * 1000) / 1000,
        text: segment.text.trim(),
      })),
    );
  });

  it("gives each segment's first word start, last word end and joined words with word timings", () => {
    expect(parse(format(FIXTURE_RESULT))).toEqual(
      FIXTURE_RESULT.segments.map((segment) => ({
        startS: segment.words![0]!.startS,
        endS: segment.words![segment.words!.length - 1]!.endS,
        text: segment
          .words!.map((word) => word.word)
          .join('')
          .trim(),
      })),
    );
  });

  it('gives no cues for an empty result', () => {
    expect(parse(format({ ...FIXTURE_RESULT, segments: [] }))).toEqual([]);
  });
});
