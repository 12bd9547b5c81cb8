/**
 * whisper's `hallucination_silence_threshold` (transcribe.py): in sequential mode, a window's segments that look like
 * hallucinations (improbable, very short or very long words) and sit in long silence are dropped, and seek skips the
 * silence before them. It judges words, so, as in whisper, it acts only on segments with word timings. Pure.
 */

import { CHUNK_LENGTH_S, FRAMES_PER_SECOND, type Segment } from '@verbatim/core';

/** Words that are only punctuation do not count towards a segment's anomaly (whisper's list). */
const PUNCTUATION = new Set('"\'“¿([{-"\'.。,，!！?？:：”)]}、');
/** Words judged per segment, from its start. */
const ANOMALY_WORDS = 8;
/** Seconds: a window's first anomalous segment this close to its start (or end) counts as next to silence. */
const NEAR_WINDOW_EDGE_S = 2;

/** Where a window lies, in the seek loop's terms. */
export interface GuardWindow {
  /** Start of the window, seconds. */
  readonly timeOffsetS: number;
  /** Seconds of audio the window holds. */
  readonly segmentDurationS: number;
  /** Seconds of the whole audio. */
  readonly contentDurationS: number;
  readonly seekFrames: number;
  readonly segmentFrames: number;
  readonly contentFrames: number;
  /** The window's last segment ended on a single timestamp (whisper's `single_timestamp_ending`). */
  readonly singleTimestampEnding: boolean;
}

export interface GuardOutcome {
  /** The segments kept (a prefix of those given). */
  readonly segments: readonly Segment[];
  /** Where the next window starts, in frames; undefined: where the seek loop would have put it. */
  readonly seekFrames: number | undefined;
  /** Discard the whole window: its first segment is a hallucination after a long silence. */
  readonly discardWindow: boolean;
}

/**
 * Applies the guard to one window's segments.
 * @param thresholdS silences longer than this (seconds) are skipped.
 * @param lastSpeechS where the last word before this window ended (0 at first).
 */
export function guardSilence(
  segments: readonly Segment[],
  window: GuardWindow,
  thresholdS: number,
  lastSpeechS: number,
): GuardOutcome {
  const { timeOffsetS } = window;
  // As in whisper: the window's nominal end (30 s on) for the silence after speech, its audio's end for the next
  // word's start when there is none.
  const windowEndS = timeOffsetS + CHUNK_LENGTH_S;
  const contentEndS = timeOffsetS + window.segmentDurationS;
  let seekFrames: number | undefined;
  if (!window.singleTimestampEnding) {
    const lastWordEnd = endOfSpeech(segments);
    if (lastWordEnd !== undefined && lastWordEnd > timeOffsetS) {
      seekFrames =
        windowEndS - lastWordEnd > thresholdS
          ? Math.round(lastWordEnd * FRAMES_PER_SECOND)
          : window.seekFrames + window.segmentFrames;
    }
  }
  const first = nextSegmentWithWords(segments, 0);
  if (first !== undefined && isAnomaly(first)) {
    const gap = first.startS - timeOffsetS;
    if (gap > thresholdS) {
      return {
        segments: [],
        seekFrames: window.seekFrames + Math.round(gap * FRAMES_PER_SECOND),
        discardWindow: true,
      };
    }
  }
  let lastEnd = lastSpeechS;
  for (const [i, segment] of segments.entries()) {
    if (!segment.words?.length) continue;
    if (isAnomaly(segment)) {
      const next = nextSegmentWithWords(segments, i + 1);
      const nextStart = next?.words?.[0]?.startS ?? contentEndS;
      const silenceBefore =
        segment.startS - lastEnd > thresholdS ||
        segment.startS < thresholdS ||
        segment.startS - timeOffsetS < NEAR_WINDOW_EDGE_S;
      const silenceAfter =
        nextStart - segment.endS > thresholdS ||
        (next !== undefined && isAnomaly(next)) ||
        windowEndS - segment.endS < NEAR_WINDOW_EDGE_S;
      if (silenceBefore && silenceAfter) {
        const skipTo =
          window.contentDurationS - segment.endS < thresholdS
            ? window.contentFrames
            : Math.round(Math.max(timeOffsetS + 1, segment.startS) * FRAMES_PER_SECOND);
        return { segments: segments.slice(0, i), seekFrames: skipTo, discardWindow: false };
      }
    }
    lastEnd = segment.endS;
  }
  return { segments, seekFrames, discardWindow: false };
}

/** The end of the last word of `segments`, else of the last segment (whisper's `get_end`). */
export function endOfSpeech(segments: readonly Segment[]): number | undefined {
  for (let i = segments.length - 1; i >= 0; i--) {
    const words = segments[i]!.words;
    if (words?.length) return words.at(-1)!.endS;
  }
  return segments.at(-1)?.endS;
}

function nextSegmentWithWords(segments: readonly Segment[], from: number): Segment | undefined {
  return segments.slice(from).find((segment) => segment.words?.length);
}

/**
 * whisper's `is_segment_anomaly`: the first 8 words (punctuation aside) score 3 or more, or about 1 each (so a segment
 * of punctuation alone is one).
 */
function isAnomaly(segment: Segment): boolean {
  if (!segment.words?.length) return false;
  const words = segment.words.filter((word) => !PUNCTUATION.has(word.word)).slice(0, ANOMALY_WORDS);
  const score = words.reduce((sum, word) => sum + wordAnomaly(word.probability, word.endS - word.startS), 0);
  return score >= 3 || score + 0.01 >= words.length;
}

/** whisper's `word_anomaly_score`: improbable, very short or very long words look hallucinated. */
function wordAnomaly(probability: number, durationS: number): number {
  let score = 0;
  if (probability < 0.15) score += 1;
  if (durationS < 0.133) score += (0.133 - durationS) * 15;
  if (durationS > 2) score += durationS - 2;
  return score;
}
