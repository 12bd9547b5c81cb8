import { describe, expect, it } from 'vitest';
import { checkLongForm } from './check-transcript.mjs';

const SAMPLE_RATE_HZ = 16_000;

const TEXTS = [
  'The quick brown fox jumps over the lazy dog.',
  'Mr. Smith paid $3.50 for two coffees.',
  'Never use it after a big meal.',
  'Behind every great computer sits a skinny little geek.',
  'Fame satisfying depreciation vehicles creaked.',
];
const WORDS = [9, 7, 7, 9, 5]; // after EnglishTextNormalizer ("$3.50" stays one word, "Mr." → "mister")

/** Utterance i spans [3i + 1, 3i + 3) seconds. */
const UTTERANCES = TEXTS.map((text, i) => ({
  startSample: (3 * i + 1) * SAMPLE_RATE_HZ,
  endSample: (3 * i + 3) * SAMPLE_RATE_HZ,
  text,
}));

/** One segment per text, at the utterances' times (the checker reads only the text). */
function segments(texts: readonly string[]) {
  return texts.map((text, i) => ({ startS: 3 * i + 1, endS: 3 * i + 3, text: ` ${text}` }));
}

const span = (fromS: number, toS: number) => ({
  startSample: fromS * SAMPLE_RATE_HZ,
  endSample: toS * SAMPLE_RATE_HZ,
});
const chunk = (...spans: { startSample: number; endSample: number }[]) => ({
  startSample: spans[0]!.startSample,
  endSample: spans.at(-1)!.endSample,
  sourceSpans: spans,
});

describe('checkLongForm', () => {
  it('finds every utterance transcribed once in a clean transcript written differently', () => {
    const written = [
      'the quick brown fox jumps over the lazy dog',
      'Mister Smith paid three dollars and fifty cents for two coffees!',
      'Never use it after a big meal.',
      'Behind every great computer sits a skinny little geek.',
      'Fame, satisfying depreciation, vehicles creaked',
    ];
    const check = checkLongForm(UTTERANCES, segments(written));
    expect(check.utterances).toBe(5);
    expect(check.referenceWords).toBe(37);
    expect(check.perUtterance.map((u) => u.words)).toEqual(WORDS);
    expect(check.wer).toEqual({ wer: 0, substitutions: 0, deletions: 0, insertions: 0, words: 37 });
    expect(check.outcomes).toEqual({ ok: 5, lost: 0, duplicated: 0, garbled: 0 });
    expect(check.perUtterance.map((u) => u.copies)).toEqual([1, 1, 1, 1, 1]);
    expect(check.lost).toEqual([]);
    expect(check.duplicated).toEqual([]);
    expect(check.boundaries).toBeUndefined();
  });

  it('counts a dropped utterance as lost, and only it', () => {
    const check = checkLongForm(UTTERANCES, segments([TEXTS[0]!, TEXTS[1]!, TEXTS[3]!, TEXTS[4]!]));
    expect(check.outcomes).toEqual({ ok: 4, lost: 1, duplicated: 0, garbled: 0 });
    expect(check.lost).toEqual([2]);
    expect(check.perUtterance[2]).toMatchObject({ deletions: 7, correct: 0, copies: 0, outcome: 'lost' });
    expect(check.wer).toEqual({ wer: 7 / 37, substitutions: 0, deletions: 7, insertions: 0, words: 37 });
  });

  it('counts an utterance transcribed twice as duplicated, and only it', () => {
    const check = checkLongForm(
      UTTERANCES,
      segments([TEXTS[0]!, TEXTS[1]!, TEXTS[1]!, TEXTS[2]!, TEXTS[3]!, TEXTS[4]!]),
    );
    expect(check.outcomes).toEqual({ ok: 4, lost: 0, duplicated: 1, garbled: 0 });
    expect(check.duplicated).toEqual([1]);
    expect(check.perUtterance[1]).toMatchObject({ copies: 2, copyMatches: [7, 7], outcome: 'duplicated' });
    expect(check.wer).toEqual({ wer: 7 / 37, substitutions: 0, deletions: 0, insertions: 7, words: 37 });
    expect(check.insertionsBetweenUtterances).toBe(7);
  });

  it('finds an imperfect second and third copy inside one segment', () => {
    const again =
      'Never use it after a big meal. Never use it after the big meal. Never use it after a meal.';
    const check = checkLongForm(UTTERANCES, segments([TEXTS[0]!, TEXTS[1]!, again, TEXTS[3]!, TEXTS[4]!]));
    expect(check.duplicated).toEqual([2]);
    expect(check.perUtterance[2]).toMatchObject({ copies: 3, copyMatches: [7, 6, 6] });
    expect(check.outcomes).toEqual({ ok: 4, lost: 0, duplicated: 1, garbled: 0 });
  });

  it('keeps lost, garbled and ok apart by their shares of deleted and correct words', () => {
    const check = checkLongForm(
      UTTERANCES,
      segments([
        'The quick brown fox jumps over', // 6 of 9 correct, 3 deleted: ok
        'Mr. Smith paid', // 3 of 7 correct, 4 deleted: lost (more than half deleted)
        'Ever lose wit laughter hey pig peel.', // 7 words substituted: garbled
        'Behind every great computer', // 4 of 9 correct, 5 deleted: lost
        'Fame satisfying depreciation', // 3 of 5 correct, 2 deleted: ok
      ]),
    );
    expect(check.perUtterance.map((u) => u.outcome)).toEqual(['ok', 'lost', 'garbled', 'lost', 'ok']);
    expect(check.outcomes).toEqual({ ok: 2, lost: 2, duplicated: 0, garbled: 1 });
    expect(check.lost).toEqual([1, 3]);
    expect(check.wer).toEqual({ wer: 21 / 37, substitutions: 7, deletions: 14, insertions: 0, words: 37 });
  });

  it('reports the utterances at chunk boundaries, the ones straddling them and those outside every chunk', () => {
    const chunks = [
      chunk(span(0.5, 3.5), span(3.6, 6.5), span(6.6, 7.9)), // utterances 0 and 1, and 2 up to 7.9 s
      chunk(span(8, 9.5), span(9.6, 12.5)), // 2 from 8 s (0.1 s of it in no chunk), and 3
      // 4 (13–15 s) is in no chunk but for its last 0.5 s
      chunk(span(14.5, 15.5)),
    ];
    const check = checkLongForm(UTTERANCES, segments([TEXTS[0]!, TEXTS[1]!, TEXTS[3]!, TEXTS[4]!]), {
      chunks,
    });
    expect(check.perUtterance.map((u) => u.chunks)).toEqual([[0], [0], [0, 1], [1], [2]]);
    expect(check.perUtterance.map((u) => u.coveredShare)).toEqual([1, 1, 0.95, 1, 0.25]);
    expect(check.boundaries).toEqual({
      chunks: 3,
      boundaries: 2,
      straddling: [{ index: 2, chunks: [0, 1], outcome: 'lost' }],
      // boundary 0: utterance 2 on both sides; boundary 1: 3 (last in chunk 1) and 4 (first in chunk 2)
      nextToBoundary: { utterances: 3, ok: 2, lost: 1, duplicated: 0, garbled: 0 },
      outsideChunks: [{ index: 4, coveredShare: 0.25, outcome: 'ok' }],
    });
  });

  it('throws on an utterance with no words', () => {
    expect(() => checkLongForm([{ startSample: 0, endSample: 10, text: 'Um, uh.' }], [])).toThrow(
      /utterance 0 has no words/,
    );
  });
});
