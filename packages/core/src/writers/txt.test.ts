import { describe, expect, it } from 'vitest';
import { readGolden } from './test-support/golden.js';
import { FIXTURE_RESULT, resultFromSegments } from './test-support/transcription-fixture.js';
import { formatTxt } from './txt.js';

describe('formatTxt', () => {
  it('writes one stripped segment text per line, as the golden file', () => {
    expect(formatTxt(FIXTURE_RESULT)).toBe(readGolden('transcript.golden.txt'));
  });

  it('writes nothing for an empty result', () => {
    expect(formatTxt({ ...FIXTURE_RESULT, segments: [] })).toBe('');
  });

  it("strips as Python's str.strip() does, keeping inner whitespace", () => {
    expect(formatTxt(resultFromSegments([['\u3000 a  b \x85', 0, 1]]))).toBe('a  b\n');
  });

  it('labels diarized segments with their speaker, as WhisperX does', () => {
    const [segment] = resultFromSegments([[' Hello.', 0, 1]]).segments;
    expect(formatTxt({ ...FIXTURE_RESULT, segments: [{ ...segment!, speaker: 'SPEAKER_00' }] })).toBe(
      '[SPEAKER_00]: Hello.\n',
    );
  });
});
