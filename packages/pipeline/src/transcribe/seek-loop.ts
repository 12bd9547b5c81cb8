/**
 * Sequential long-form transcription: openai/whisper transcribe()'s seek loop. A 30 s window is decoded from `seek`;
 * its tokens are cut into segments at their timestamps; seek moves to the window's last timestamp, or past the whole
 * window when its last segment is open (or it had no timestamp pair); a window the decoder judged silent is skipped.
 * With conditionOnPreviousText, the tokens emitted since the last reset (the initial prompt first) are the next
 * window's prompt; a window decoded above temperature 0.5 resets it. The decoding itself is a function the caller
 * gives, so the loop is tested on hand-built decoder outputs. whisper's silence guard runs where segments carry words.
 */

import {
  FRAMES_PER_SECOND,
  HOP_LENGTH_SAMPLES,
  N_FRAMES_PER_CHUNK,
  N_SAMPLES_PER_TOKEN,
  type Segment,
} from '@verbatim/core';
import type { WindowScores } from './build-segment.js';
import { endOfSpeech, guardSilence } from './silence-guard.js';
import { splitWindowTokens } from './window-segments.js';

/** 2 mel frames (10 ms each) per timestamp step (20 ms). */
const FRAMES_PER_STEP = N_SAMPLES_PER_TOKEN / HOP_LENGTH_SAMPLES;
/** Above this temperature a window's output is too random to prompt the next one (whisper's rule). */
const PROMPT_RESET_TEMPERATURE = 0.5;

/** One window to decode. */
export interface SeekWindow {
  /** 0 for the first window decoded, then 1, 2, … */
  readonly index: number;
  /** Where the window starts in the audio, in mel frames (10 ms). */
  readonly seekFrames: number;
  /** Frames of audio it holds: 3000, or fewer at the end. */
  readonly segmentFrames: number;
  /** The prompt: tokens emitted since the last reset, the initial prompt's first. */
  readonly previousTokens: readonly number[];
}

/** What decoding a window gave. */
export interface SeekDecode extends WindowScores {
  readonly tokens: ArrayLike<number>;
  /** The window is silence (no-speech probability over its threshold and the text unlikely): skip it. */
  readonly silent: boolean;
}

/** Turns a piece of a window into a segment, or undefined when it has no text (see buildSegment). */
export type SegmentFactory = (
  id: number,
  startS: number,
  endS: number,
  tokens: readonly number[],
  scores: WindowScores,
) => Segment | undefined;

export interface SeekLoopOptions {
  /** Frames of audio: floor(samples / 160). */
  readonly contentFrames: number;
  /** The id of `<|0.00|>`. */
  readonly timestampBegin: number;
  readonly initialPromptTokens: readonly number[];
  readonly conditionOnPreviousText: boolean;
  readonly decodeWindow: (window: SeekWindow) => Promise<SeekDecode>;
  readonly buildSegment: SegmentFactory;
  /**
   * whisper's hallucinationSilenceThreshold in seconds (see silence-guard.ts); it acts on windows whose segments
   * carry word timings. Undefined: off.
   */
  readonly hallucinationSilenceThresholdS?: number | undefined;
  /** Called after each window with the frames done so far. */
  readonly onAdvance?: (seekFrames: number) => void;
}

/** The segments of the whole audio, in time order, each as soon as its window is decoded. */
export async function* seekLoop(options: SeekLoopOptions): AsyncGenerator<Segment> {
  const { contentFrames, timestampBegin, buildSegment } = options;
  const allTokens = [...options.initialPromptTokens];
  let promptResetSince = 0;
  let nextId = 0;
  let seek = 0;
  /** Where the last word ended (the silence guard's memory across windows). */
  let lastSpeechS = 0;
  for (let index = 0; seek < contentFrames; index++) {
    const segmentFrames = Math.min(N_FRAMES_PER_CHUNK, contentFrames - seek);
    const result = await options.decodeWindow({
      index,
      seekFrames: seek,
      segmentFrames,
      previousTokens: allTokens.slice(promptResetSince),
    });
    if (result.silent) {
      seek += segmentFrames;
      options.onAdvance?.(seek);
      continue;
    }
    const split = splitWindowTokens(result.tokens, timestampBegin);
    // Times are clamped to the audio the window holds; a segment left with no length is dropped, tokens and all.
    const frameAt = (step: number | undefined) =>
      step === undefined ? segmentFrames : Math.min(step * FRAMES_PER_STEP, segmentFrames);
    let segments: Segment[] = [];
    for (const piece of split.segments) {
      const startFrame = frameAt(piece.startStep);
      const endFrame = frameAt(piece.endStep);
      if (endFrame <= startFrame) continue;
      const segment = buildSegment(
        nextId + segments.length,
        (seek + startFrame) / FRAMES_PER_SECOND,
        (seek + endFrame) / FRAMES_PER_SECOND,
        piece.tokens,
        result,
      );
      if (segment !== undefined) segments.push(segment);
    }
    const advance = split.advanceStep === undefined ? segmentFrames : split.advanceStep * FRAMES_PER_STEP;
    // A window whose only timestamp pair is <|0.00|><|0.00|> would never move on: take the whole window instead.
    let nextSeek = seek + (advance > 0 ? advance : segmentFrames);
    const { hallucinationSilenceThresholdS: thresholdS } = options;
    if (thresholdS !== undefined && segments.some((segment) => segment.words !== undefined)) {
      const guard = guardSilence(
        segments,
        {
          timeOffsetS: seek / FRAMES_PER_SECOND,
          segmentDurationS: segmentFrames / FRAMES_PER_SECOND,
          contentDurationS: contentFrames / FRAMES_PER_SECOND,
          seekFrames: seek,
          segmentFrames,
          contentFrames,
          singleTimestampEnding: split.singleTimestampEnding,
        },
        thresholdS,
        lastSpeechS,
      );
      if (guard.discardWindow) {
        seek = Math.max(seek + 1, guard.seekFrames ?? nextSeek);
        options.onAdvance?.(Math.min(seek, contentFrames));
        continue;
      }
      segments = [...guard.segments];
      nextSeek = guard.seekFrames ?? nextSeek;
      lastSpeechS = endOfSpeech(segments) ?? lastSpeechS;
    }
    for (const segment of segments) {
      nextId++;
      allTokens.push(...segment.tokens);
      yield segment;
    }
    if (!options.conditionOnPreviousText || result.temperature > PROMPT_RESET_TEMPERATURE) {
      promptResetSince = allTokens.length;
    }
    seek = nextSeek;
    options.onAdvance?.(Math.min(seek, contentFrames));
  }
}
