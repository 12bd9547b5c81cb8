import type { Segment, Word } from '@verbatim/core';
import { describe, expect, it } from 'vitest';
import { endOfSpeech, type GuardWindow, guardSilence } from './silence-guard.js';

/** A segment whose words are given as [word, start, end, probability]. */
function segment(id: number, words: [string, number, number, number][]): Segment {
  const timed: Word[] = words.map(([word, startS, endS, probability]) => ({
    word,
    startS,
    endS,
    probability,
  }));
  return {
    id,
    startS: timed[0]!.startS,
    endS: timed.at(-1)!.endS,
    text: timed.map((word) => word.word).join(''),
    tokens: [],
    temperature: 0,
    avgLogprob: -0.3,
    compressionRatio: 1.2,
    noSpeechProb: 0.1,
    words: timed,
  };
}

/** A first window of 30 s (of 60 s of audio). */
const WINDOW: GuardWindow = {
  timeOffsetS: 0,
  segmentDurationS: 30,
  contentDurationS: 60,
  seekFrames: 0,
  segmentFrames: 3000,
  contentFrames: 6000,
  singleTimestampEnding: true,
};
const speech = segment(0, [
  [' Hello', 0.5, 0.9, 0.9],
  [' there', 0.9, 1.4, 0.8],
  ['.', 1.4, 1.5, 0.9],
]);
/** One improbable, very short word: anomaly score 1 + (0.133 − 0.05) × 15 ≈ 2.2 for one word. */
const hallucination = (id: number, startS: number) => segment(id, [[' Thanks', startS, startS + 0.05, 0.05]]);

describe('guardSilence', () => {
  it('discards a window whose first segment is a hallucination after a long silence, seeking past the silence', () => {
    const outcome = guardSilence([hallucination(0, 5), speech], WINDOW, 2, 0);
    expect(outcome).toEqual({ segments: [], seekFrames: 500, discardWindow: true });
    // A silence shorter than the threshold is kept.
    expect(guardSilence([hallucination(0, 1.5)], WINDOW, 2, 0).discardWindow).toBe(false);
  });

  it('cuts the window before a hallucination surrounded by silence', () => {
    const outcome = guardSilence([speech, hallucination(1, 10)], WINDOW, 2, 0);
    expect(outcome).toEqual({ segments: [speech], seekFrames: 1000, discardWindow: false });
    // Near the end of the audio (30 s here), the rest is skipped.
    const last = { ...WINDOW, contentDurationS: 30, contentFrames: 3000 };
    expect(guardSilence([speech, hallucination(1, 28.5)], last, 2, 0)).toEqual({
      segments: [speech],
      seekFrames: 3000,
      discardWindow: false,
    });
  });

  it('keeps a doubtful segment that has speech right before and after it', () => {
    const after = segment(2, [[' again', 10.2, 10.6, 0.9]]);
    const before = segment(0, [[' Yes', 9.2, 9.9, 0.9]]);
    const segments = [before, hallucination(1, 10), after];
    expect(guardSilence(segments, WINDOW, 2, 9)).toEqual({
      segments,
      seekFrames: undefined,
      discardWindow: false,
    });
  });

  it('seeks to the last word when the window ends open and a long silence follows it', () => {
    const open = { ...WINDOW, singleTimestampEnding: false };
    const late = segment(1, [[' late', 20, 20.5, 0.9]]);
    expect(guardSilence([speech, late], open, 2, 0).seekFrames).toBe(2050);
    const end = segment(1, [[' end', 28.5, 29, 0.9]]);
    expect(guardSilence([speech, end], open, 2, 0).seekFrames).toBe(3000);
  });

  it('finds where speech ended: the last word, else the last segment', () => {
    expect(endOfSpeech([speech])).toBe(1.5);
    expect(endOfSpeech([speech, { ...speech, startS: 3, endS: 4, words: undefined }])).toBe(1.5);
    expect(endOfSpeech([{ ...speech, words: undefined }])).toBe(1.5);
    expect(endOfSpeech([])).toBeUndefined();
  });
});
