import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { readGolden } from './test-support/golden.js';
import { FIXTURE_RESULT, resultFromSegments } from './test-support/transcription-fixture.js';
import { formatTsv } from './tsv.js';

describe('formatTsv', () => {
  it('writes the header and integer-millisecond rows, tabs in text as spaces, as the golden file', () => {
    expect(formatTsv(FIXTURE_RESULT)).toBe(readGolden('transcript.golden.tsv'));
  });

  it('writes only the header for an empty result', () => {
    expect(formatTsv({ ...FIXTURE_RESULT, segments: [] })).toBe('start\tend\ttext\n');
  });

  it('rounds milliseconds half to even, as Whisper does', () => {
    expect(formatTsv(resultFromSegments([[' x', 0.0005, 0.0015]]))).toBe('start\tend\ttext\n0\t2\tx\n');
    expect(formatTsv(resultFromSegments([[' y', 0.0025, 3599.9996]]))).toBe(
      'start\tend\ttext\n2\t3600000\ty\n',
    );
  });

  it('rejects a non-finite time', () => {
    expect(() => formatTsv(resultFromSegments([[' x', 0, Number.NaN]]))).toThrow(InvalidArgumentError);
  });
});
