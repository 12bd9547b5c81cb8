/**
 * Fixed transcriptions for the writer tests. FIXTURE_RESULT has four segments with word timings: plain ASCII, accented
 * text, a tab inside a segment, and one past the hour mark. The golden files in ../golden/ were worked out by hand from
 * it with Whisper's rules.
 */

import type { Segment, TranscriptionResult, Word } from '../../transcription.js';

/** A word as [text with its leading space, start s, end s, probability]. */
type WordRow = readonly [string, number, number, number];

function words(rows: readonly WordRow[]): Word[] {
  return rows.map(([word, startS, endS, probability]) => ({ word, startS, endS, probability }));
}

export const FIXTURE_RESULT: TranscriptionResult = {
  info: {
    language: 'en',
    languageProbability: 0.97,
    durationS: 3730,
    durationAfterVadS: 21.5,
    model: 'tiny',
  },
  segments: [
    {
      id: 0,
      startS: 0,
      endS: 2.5,
      text: ' Hello world, this is verbatim.',
      tokens: [50364, 2425, 1002, 11, 341, 307, 9595, 267, 13, 50489],
      temperature: 0,
      avgLogprob: -0.2134,
      compressionRatio: 0.9,
      noSpeechProb: 0.0123,
      words: words([
        [' Hello', 0, 0.42, 0.91],
        [' world,', 0.42, 0.9, 0.88],
        [' this', 1.1, 1.3, 0.99],
        [' is', 1.3, 1.45, 0.97],
        [' verbatim.', 1.5, 2.48, 0.76],
      ]),
    },
    {
      id: 1,
      startS: 2.5,
      endS: 6.24,
      text: ' Déjà vu: a naïve café in Zürich.',
      tokens: [50489, 1346, 10612, 2023, 25, 257, 297, 1297, 303, 13, 50676],
      temperature: 0.2,
      avgLogprob: -0.4567,
      compressionRatio: 1.0625,
      noSpeechProb: 0.00001234,
      words: words([
        [' Déjà', 2.64, 3, 0.8],
        [' vu:', 3, 3.38, 0.85],
        [' a', 3.5, 3.6, 0.99],
        [' naïve', 3.6, 3.9, 0.7],
        [' café', 3.9, 4.3, 0.93],
        [' in', 4.3, 4.42, 1],
        [' Zürich.', 4.42, 6.24, 0.95],
      ]),
    },
    {
      id: 2,
      startS: 6.24,
      endS: 9,
      text: ' Name:\tAda Lovelace.',
      tokens: [50676, 13866, 25, 197, 32, 2675, 6981, 17460, 13, 50814],
      temperature: 0,
      avgLogprob: -0.3,
      compressionRatio: 0.8,
      noSpeechProb: 0.05,
      words: words([
        [' Name:\tAda', 6.5, 7.4, 0.6],
        [' Lovelace.', 7.4, 8.2, 0.9],
      ]),
    },
    {
      id: 3,
      startS: 3725.5,
      endS: 3729,
      text: ' And an hour later, still going.',
      tokens: [50364, 400, 364, 1773, 1780, 11, 920, 516, 13, 50539],
      temperature: 0,
      avgLogprob: -0.125,
      compressionRatio: 1,
      noSpeechProb: 0.5,
      words: words([
        [' And', 3725.52, 3725.7, 0.9],
        [' an', 3725.7, 3725.8, 0.9],
        [' hour', 3725.8, 3726.1, 0.9],
        [' later,', 3726.1, 3726.6, 0.9],
        [' still', 3727, 3727.3, 0.9],
        [' going.', 3727.3, 3728.75, 0.9],
      ]),
    },
  ],
};

/** `result` as a run without word timestamps would give it: one cue per segment. */
export function withoutWords(result: TranscriptionResult): TranscriptionResult {
  return { ...result, segments: result.segments.map(({ words: _words, ...segment }) => segment) };
}

/** A result whose segments are given only as words (`[text, start s, end s]`); the rest is filled in. */
export function resultFromWords(
  segments: ReadonlyArray<ReadonlyArray<readonly [string, number, number]>>,
): TranscriptionResult {
  return {
    info: FIXTURE_RESULT.info,
    segments: segments.map(
      (rows, id): Segment => ({
        id,
        startS: rows[0]?.[1] ?? 0,
        endS: rows[rows.length - 1]?.[2] ?? 0,
        text: rows.map(([word]) => word).join(''),
        tokens: [],
        temperature: 0,
        avgLogprob: 0,
        compressionRatio: 1,
        noSpeechProb: 0,
        words: words(rows.map(([word, startS, endS]) => [word, startS, endS, 1])),
      }),
    ),
  };
}

/** A result with the given segments' texts and times and no word timings. */
export function resultFromSegments(
  rows: ReadonlyArray<readonly [string, number, number]>,
): TranscriptionResult {
  return withoutWords(resultFromWords(rows.map((row) => [row])));
}
