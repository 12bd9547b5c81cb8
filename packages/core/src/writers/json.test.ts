import { describe, expect, it } from 'vitest';
import { formatJson } from './json.js';
import { readGolden } from './test-support/golden.js';
import { FIXTURE_RESULT, resultFromSegments, withoutWords } from './test-support/transcription-fixture.js';

describe('formatJson', () => {
  it("writes the result as Python's json.dump writes Whisper's result dict, as the golden file", () => {
    expect(formatJson(FIXTURE_RESULT)).toBe(readGolden('transcript.golden.json'));
  });

  it('is valid JSON that reads back to the same values', () => {
    const parsed = JSON.parse(formatJson(FIXTURE_RESULT));
    expect(parsed.text).toBe(FIXTURE_RESULT.segments.map((segment) => segment.text).join(''));
    expect(parsed.language).toBe('en');
    expect(parsed.segments[1].text).toBe(' Déjà vu: a naïve café in Zürich.');
    expect(parsed.segments[3].words[0]).toEqual({
      word: ' And',
      start: 3725.52,
      end: 3725.7,
      probability: 0.9,
    });
  });

  it('writes an empty result', () => {
    expect(formatJson({ ...FIXTURE_RESULT, segments: [] })).toBe(
      '{"text": "", "segments": [], "language": "en"}',
    );
  });

  it('leaves out words without word timings and adds the speaker of a diarized segment', () => {
    const [segment] = withoutWords(resultFromSegments([[' Hi.', 0, 1]])).segments;
    expect(formatJson({ ...FIXTURE_RESULT, segments: [{ ...segment!, speaker: 'SPEAKER_00' }] })).toBe(
      '{"text": " Hi.", "segments": [{"id": 0, "start": 0.0, "end": 1.0, "text": " Hi.", "tokens": [], ' +
        '"temperature": 0.0, "avg_logprob": 0.0, "compression_ratio": 1.0, "no_speech_prob": 0.0, ' +
        '"speaker": "SPEAKER_00"}], "language": "en"}',
    );
  });
});
