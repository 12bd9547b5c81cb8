/**
 * Whisper's subtitle layout (`SubtitlesWriter.iterate_result`): how a result becomes timed cues for SRT and VTT.
 *
 * Without word timings (the first segment has no `words`), every segment is one cue with its stripped text, `-->`
 * written as `->`. With word timings, cues are built from words:
 * - a word goes on the current line while the line, counted in code points with the word's leading space, stays
 *   within maxLineWidth; otherwise it starts a new line, its leading whitespace dropped;
 * - unless maxLineWidth and maxLineCount are both set, every segment (and every group of maxWordsPerLine words)
 *   starts a new cue; when both are set, cues run across segments and a new line starts a new cue once the cue holds
 *   maxLineCount lines or the word starts more than 3 s after the previous word's start;
 * - a cue runs from its first word's start to its last word's end; its text is its words joined (`-->` is not
 *   rewritten here, as in Whisper);
 * - with highlightWords, each word of a cue gets its own cue with that word in `<u>…</u>`, and a gap between words
 *   (as whole milliseconds) gets a cue with the plain text.
 * A segment's speaker, when present, labels its cues as WhisperX does; a later segment with no `words` adds none.
 * Pure.
 */

import type { Segment, TranscriptionResult } from '../transcription.js';
import type { Cue } from './cues.js';
import type { WriterOptions } from './options.js';
import { codePointLength, leadingWhitespace, stripWhitespace } from './python-compat.js';
import { withSpeakerLabel } from './speaker-label.js';
import { secondsToMilliseconds } from './timestamp.js';

/** Silence between consecutive word starts, in seconds, past which flowing cues break. */
const LONG_PAUSE_S = 3;
/** Whisper's stand-in for "no limit" on line width and words per cue. */
const NO_LIMIT = 1000;

/** A word as it will be written: with its leading space, or its line break, decided. */
interface PlacedWord {
  readonly text: string;
  readonly startS: number;
  readonly endS: number;
  readonly speaker: string | undefined;
}

/** The cues Whisper's SRT and VTT writers would write for `result`, in order. Times are in seconds, unrounded. */
export function layoutCues(result: TranscriptionResult, options: WriterOptions): Cue[] {
  const { segments } = result;
  if (segments[0]?.words === undefined) return segments.map(segmentCue);
  return groupWords(segments, options).flatMap((words) =>
    options.highlightWords ? highlightedCues(words) : [wordsCue(words)],
  );
}

function segmentCue(segment: Segment): Cue {
  const text = stripWhitespace(segment.text).replaceAll('-->', '->');
  return { startS: segment.startS, endS: segment.endS, text: withSpeakerLabel(text, segment.speaker) };
}

/** Splits the words of all segments into cues and lines (a line break is a `\n` before a word). */
function groupWords(segments: readonly Segment[], options: WriterOptions): PlacedWord[][] {
  const { maxLineWidth, maxLineCount } = options;
  const preserveSegments = maxLineWidth === undefined || maxLineCount === undefined;
  const lineWidth = maxLineWidth ?? NO_LIMIT;
  const wordsPerGroup = options.maxWordsPerLine ?? NO_LIMIT;
  const cues: PlacedWord[][] = [];
  let cue: PlacedWord[] = [];
  let lineLength = 0;
  let lineCount = 1;
  let previousStartS: number | undefined;
  for (const segment of segments) {
    (segment.words ?? []).forEach((word, index) => {
      let text = word.word;
      const longPause =
        !preserveSegments && previousStartS !== undefined && word.startS - previousStartS > LONG_PAUSE_S;
      const hasRoom = lineLength + codePointLength(text) <= lineWidth;
      const groupBreak = preserveSegments && index % wordsPerGroup === 0 && cue.length > 0;
      if (lineLength > 0 && hasRoom && !longPause && !groupBreak) {
        lineLength += codePointLength(text);
      } else {
        text = stripWhitespace(text);
        const cueFull = maxLineCount !== undefined && (longPause || lineCount >= maxLineCount);
        if (groupBreak || (cue.length > 0 && cueFull)) {
          cues.push(cue);
          cue = [];
          lineCount = 1;
        } else if (lineLength > 0) {
          lineCount += 1;
          text = `\n${text}`;
        }
        lineLength = codePointLength(stripWhitespace(text));
      }
      cue.push({ text, startS: word.startS, endS: word.endS, speaker: segment.speaker });
      previousStartS = word.startS;
    });
  }
  if (cue.length > 0) cues.push(cue);
  return cues;
}

function wordsCue(words: readonly PlacedWord[]): Cue {
  const first = words[0]!;
  return { startS: first.startS, endS: words[words.length - 1]!.endS, text: joinWords(words, -1) };
}

function highlightedCues(words: readonly PlacedWord[]): Cue[] {
  const cues: Cue[] = [];
  let previousEndS = words[0]!.startS;
  words.forEach((word, index) => {
    if (secondsToMilliseconds(previousEndS) !== secondsToMilliseconds(word.startS)) {
      cues.push({ startS: previousEndS, endS: word.startS, text: joinWords(words, -1) });
    }
    cues.push({ startS: word.startS, endS: word.endS, text: joinWords(words, index) });
    previousEndS = word.endS;
  });
  return cues;
}

/** The cue text: words joined as written, the one at `highlighted` (if any) underlined, labelled with a speaker. */
function joinWords(words: readonly PlacedWord[], highlighted: number): string {
  const text = words
    .map((word, index) => (index === highlighted ? underline(word.text) : word.text))
    .join('');
  return withSpeakerLabel(text, words[0]!.speaker);
}

/**
 * `word` with `<u>…</u>` around all but its leading whitespace, as Whisper's `re.sub(r"^(\s*)(.*)$", …)` does:
 * `.` stops at a line break and `$` may match before one final `\n`, so a word with a line break inside is left as is.
 */
function underline(word: string): string {
  const lead = leadingWhitespace(word);
  const rest = word.slice(lead.length);
  const body = rest.endsWith('\n') ? rest.slice(0, -1) : rest;
  if (body.includes('\n')) return word;
  return `${lead}<u>${body}</u>${rest.slice(body.length)}`;
}
