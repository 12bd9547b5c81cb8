import { describe, expect, it } from 'vitest';
import type { TranscriptionResult } from '../transcription.js';
import { formatSrt } from './srt.js';
import { resultFromSegments, resultFromWords } from './test-support/transcription-fixture.js';
import { formatVtt } from './vtt.js';

// Three segments; the third starts 3.9 s after the previous word's start.
const FOX = resultFromWords([
  [
    [' The', 0, 0.2],
    [' quick', 0.2, 0.5],
    [' brown', 0.5, 0.8],
    [' fox', 0.8, 1],
    [' jumps', 1, 1.4],
  ],
  [
    [' over', 1.5, 1.7],
    [' the', 1.7, 1.8],
    [' lazy', 1.8, 2.1],
    [' dog.', 2.1, 2.6],
  ],
  [
    [' Later', 6, 6.4],
    [' again.', 6.4, 7],
  ],
]);

const HI = resultFromWords([
  [
    [' Hi', 0, 0.4],
    [' there', 0.5, 0.9],
    [' friend.', 0.9, 1.3],
  ],
]);

/** The VTT body for [start, end, text] cues. */
function vtt(...cues: [string, string, string][]): string {
  return `WEBVTT\n\n${cues.map(([start, end, text]) => `${start} --> ${end}\n${text}\n\n`).join('')}`;
}

describe('subtitle layout with word timings', () => {
  it('by default makes one cue per segment, timed from its first word to its last', () => {
    expect(formatVtt(FOX)).toBe(
      vtt(
        ['00:00.000', '00:01.400', 'The quick brown fox jumps'],
        ['00:01.500', '00:02.600', 'over the lazy dog.'],
        ['00:06.000', '00:07.000', 'Later again.'],
      ),
    );
  });

  it('maxLineWidth alone wraps lines within each segment cue', () => {
    expect(formatVtt(FOX, { maxLineWidth: 12 })).toBe(
      vtt(
        ['00:00.000', '00:01.400', 'The quick\nbrown fox\njumps'],
        ['00:01.500', '00:02.600', 'over the\nlazy dog.'],
        ['00:06.000', '00:07.000', 'Later again.'],
      ),
    );
  });

  it('maxLineWidth with maxLineCount lets cues run across segments, up to the line count', () => {
    expect(formatVtt(FOX, { maxLineWidth: 12, maxLineCount: 2 })).toBe(
      vtt(
        ['00:00.000', '00:01.000', 'The quick\nbrown fox'],
        ['00:01.000', '00:02.100', 'jumps over\nthe lazy'],
        ['00:02.100', '00:02.600', 'dog.'],
        ['00:06.000', '00:07.000', 'Later again.'],
      ),
    );
  });

  it('breaks a flowing cue at a pause of more than 3 s between word starts', () => {
    expect(formatVtt(FOX, { maxLineWidth: 100, maxLineCount: 5 })).toBe(
      vtt(
        ['00:00.000', '00:02.600', 'The quick brown fox jumps over the lazy dog.'],
        ['00:06.000', '00:07.000', 'Later again.'],
      ),
    );
    const flowing = { maxLineWidth: 100, maxLineCount: 5 };
    const pause = (secondStartS: number) =>
      resultFromWords([[[' one', 1, 1.5]], [[' two', secondStartS, secondStartS + 0.5]]]);
    expect(formatVtt(pause(4), flowing)).toBe(vtt(['00:01.000', '00:04.500', 'one two']));
    expect(formatVtt(pause(4.25), flowing)).toBe(
      vtt(['00:01.000', '00:01.500', 'one'], ['00:04.250', '00:04.750', 'two']),
    );
  });

  it('maxLineCount without maxLineWidth has no effect, as in Whisper', () => {
    expect(formatVtt(FOX, { maxLineCount: 1 })).toBe(formatVtt(FOX));
  });

  it('maxWordsPerLine starts a cue every so many words of a segment', () => {
    expect(formatVtt(FOX, { maxWordsPerLine: 2 })).toBe(
      vtt(
        ['00:00.000', '00:00.500', 'The quick'],
        ['00:00.500', '00:01.000', 'brown fox'],
        ['00:01.000', '00:01.400', 'jumps'],
        ['00:01.500', '00:01.800', 'over the'],
        ['00:01.800', '00:02.600', 'lazy dog.'],
        ['00:06.000', '00:07.000', 'Later again.'],
      ),
    );
  });

  it('maxWordsPerLine combines with maxLineWidth alone', () => {
    expect(formatVtt(FOX, { maxWordsPerLine: 3, maxLineWidth: 9 })).toBe(
      vtt(
        ['00:00.000', '00:00.800', 'The quick\nbrown'],
        ['00:00.800', '00:01.400', 'fox jumps'],
        ['00:01.500', '00:02.100', 'over the\nlazy'],
        ['00:02.100', '00:02.600', 'dog.'],
        ['00:06.000', '00:07.000', 'Later\nagain.'],
      ),
    );
  });

  it('maxWordsPerLine has no effect once maxLineWidth and maxLineCount are both set', () => {
    const flowing = { maxLineWidth: 12, maxLineCount: 2 };
    expect(formatVtt(FOX, { ...flowing, maxWordsPerLine: 2 })).toBe(formatVtt(FOX, flowing));
  });

  it('counts line width in code points, as Python len() does', () => {
    const emoji = resultFromWords([
      [
        [' 😀😀', 0, 1],
        [' ab', 1, 2],
      ],
    ]);
    expect(formatVtt(emoji, { maxLineWidth: 5 })).toBe(vtt(['00:00.000', '00:02.000', '😀😀 ab']));
    expect(formatVtt(emoji, { maxLineWidth: 4 })).toBe(vtt(['00:00.000', '00:02.000', '😀😀\nab']));
  });

  it('highlightWords gives each word its cue, with a plain cue over each gap between words', () => {
    expect(formatSrt(HI, { highlightWords: true })).toBe(
      '1\n00:00:00,000 --> 00:00:00,400\n<u>Hi</u> there friend.\n\n' +
        '2\n00:00:00,400 --> 00:00:00,500\nHi there friend.\n\n' +
        '3\n00:00:00,500 --> 00:00:00,900\nHi <u>there</u> friend.\n\n' +
        '4\n00:00:00,900 --> 00:00:01,300\nHi there <u>friend.</u>\n\n',
    );
  });

  it('highlightWords keeps line breaks outside the underline', () => {
    expect(formatVtt(HI, { highlightWords: true, maxLineWidth: 8 })).toBe(
      vtt(
        ['00:00.000', '00:00.400', '<u>Hi</u> there\nfriend.'],
        ['00:00.400', '00:00.500', 'Hi there\nfriend.'],
        ['00:00.500', '00:00.900', 'Hi <u>there</u>\nfriend.'],
        ['00:00.900', '00:01.300', 'Hi there\n<u>friend.</u>'],
      ),
    );
  });

  it('highlightWords compares times as whole milliseconds, so a sub-millisecond gap gets no cue', () => {
    const close = resultFromWords([
      [
        [' a', 0, 0.1004],
        [' b', 0.1001, 0.2],
      ],
    ]);
    expect(formatVtt(close, { highlightWords: true })).toBe(
      vtt(['00:00.000', '00:00.100', '<u>a</u> b'], ['00:00.100', '00:00.200', 'a <u>b</u>']),
    );
  });

  it("highlightWords underlines as Whisper's regex does around line breaks inside a word", () => {
    const odd = resultFromWords([
      [
        [' a\nb', 0, 0.5],
        [' c\n', 0.5, 1],
      ],
    ]);
    expect(formatVtt(odd, { highlightWords: true })).toBe(
      vtt(['00:00.000', '00:00.500', 'a\nb c\n'], ['00:00.500', '00:01.000', 'a\nb <u>c</u>\n']),
    );
  });

  it('rewrites --> only in segment text, as Whisper does', () => {
    expect(formatVtt(resultFromSegments([[' a --> b', 0, 1]]))).toBe(
      vtt(['00:00.000', '00:01.000', 'a -> b']),
    );
    const words = resultFromWords([
      [
        [' a', 0, 0.5],
        [' -->', 0.5, 0.7],
        [' b', 0.7, 1],
      ],
    ]);
    expect(formatVtt(words)).toBe(vtt(['00:00.000', '00:01.000', 'a --> b']));
  });

  it('decides word mode on the first segment, and a later segment without words adds no cue', () => {
    const [withWords] = FOX.segments;
    const [withoutWords] = resultFromSegments([[' plain', 9, 10]]).segments;
    const mixed: TranscriptionResult = { ...FOX, segments: [withWords!, withoutWords!] };
    expect(formatVtt(mixed)).toBe(vtt(['00:00.000', '00:01.400', 'The quick brown fox jumps']));
    const plainFirst: TranscriptionResult = { ...FOX, segments: [withoutWords!, withWords!] };
    expect(formatVtt(plainFirst)).toBe(
      vtt(['00:09.000', '00:10.000', 'plain'], ['00:00.000', '00:01.400', 'The quick brown fox jumps']),
    );
  });

  it("labels a diarized segment's cues with its speaker, as WhisperX does", () => {
    const [segment] = HI.segments;
    const diarized: TranscriptionResult = { ...HI, segments: [{ ...segment!, speaker: 'SPEAKER_01' }] };
    expect(formatVtt(diarized)).toBe(vtt(['00:00.000', '00:01.300', '[SPEAKER_01]: Hi there friend.']));
    const { words: _words, ...plain } = segment!;
    expect(formatVtt({ ...HI, segments: [{ ...plain, speaker: 'SPEAKER_01' }] })).toBe(
      vtt(['00:00.000', '00:01.300', '[SPEAKER_01]: Hi there friend.']),
    );
  });

  it('ignores the word options without word timings', () => {
    const plain = resultFromSegments([[' Hello there friend.', 0, 2]]);
    expect(
      formatVtt(plain, { highlightWords: true, maxLineWidth: 5, maxLineCount: 1, maxWordsPerLine: 1 }),
    ).toBe(vtt(['00:00.000', '00:02.000', 'Hello there friend.']));
  });
});
