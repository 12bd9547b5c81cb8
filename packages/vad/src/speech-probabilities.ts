/**
 * Speech probabilities of a whole signal, one per 512-sample window, computed in pieces that run side by side.
 *
 * A signal up to `pieceS` long is one stream from a fresh state: window for window what snakers4/silero-vad's
 * get_speech_timestamps computes, and what a SileroVad fed the same windows returns. A longer signal is cut into
 * pieces of about `pieceS` at its quietest windows (internal/piece-plan.ts states the rule); each piece is a stream
 * of its own, from a fresh state and zero context, and up to `maxParallelPieces` pieces advance together as rows of
 * one model call, which costs about a third of the time per window that one row does. The cuts depend on the audio
 * alone, and a row's result does not depend on the rows beside it, so the probabilities are bit-identical for any
 * `maxParallelPieces`. Cutting is not free of effect: Silero's state carries context for many seconds, so the
 * windows after a cut can differ from one uncut stream's (`pieceS: Infinity` gives the uncut stream).
 */

import { InvalidArgumentError } from '@verbatim/core';
import {
  INPUT_SAMPLES,
  STATE_FLOATS_PER_ROW,
  STATE_WIDTH,
  VAD_SAMPLE_RATE_HZ,
  WINDOW_SAMPLES,
} from './constants.js';
import { pieceStartWindows } from './internal/piece-plan.js';
import { type VadAudioInput, vadSamples } from './internal/vad-input.js';
import { fillWindowRow, windowCount } from './internal/window-rows.js';
import { SileroModel, type SileroModelOptions, type SileroModelSource } from './silero-model.js';

/**
 * 60 s pieces by default: a 10-minute file runs as 10 rows at once, nearly as fast per window as 20 rows of 30 s
 * (measured: about 40 against 35 µs) with half the cuts.
 */
export const DEFAULT_PIECE_S = 60;
/** 32 rows per call by default: beyond that the time per window stops falling (about 33 µs on one core). */
export const DEFAULT_MAX_PARALLEL_PIECES = 32;
/** 2 s (62 windows) searched for the quietest window before each nominal cut, at most half a piece. */
const CUT_SEARCH_S = 2;

export interface SpeechProbabilityOptions extends SileroModelOptions {
  /** A shipped version ('v5', 'v6'), `{ path }`, or a loaded SileroModel to share (not disposed here). Default 'v6'. */
  model?: SileroModelSource | SileroModel;
  /** Nominal piece length in seconds (default 60, at least 1); Infinity runs the whole signal as one stream. */
  pieceS?: number;
  /** Most pieces advanced together in one model call (default 32); 1 runs them one after another. */
  maxParallelPieces?: number;
  /** Called after every model call with the windows finished so far and in all. */
  onProgress?: (windowsDone: number, windowsTotal: number) => void;
}

export interface SpeechProbabilities {
  /** probabilities[w] is the speech probability of samples [512·w, 512·w + 512) of the 16 kHz signal. */
  readonly probabilities: Float32Array;
  /** The first window of each piece, 0 first: each starts a fresh stream. */
  readonly pieceStartWindows: readonly number[];
  /** Length of the 16 kHz signal in samples. */
  readonly durationSamples: number;
}

/**
 * Computes the speech probability of every 512-sample window of `audio`.
 * @throws InvalidArgumentError for bad audio or options; as SileroModel.load and SileroModel.run otherwise.
 */
export async function speechProbabilities(
  audio: VadAudioInput,
  options: SpeechProbabilityOptions = {},
): Promise<SpeechProbabilities> {
  const samples = vadSamples(audio, 'speechProbabilities');
  const {
    model: source = 'v6',
    pieceS = DEFAULT_PIECE_S,
    maxParallelPieces = DEFAULT_MAX_PARALLEL_PIECES,
    onProgress,
    ...modelOptions
  } = options;
  if (!(pieceS >= 1)) {
    throw new InvalidArgumentError(
      `[speechProbabilities] pieceS must be at least 1 second or Infinity: ${pieceS}`,
    );
  }
  if (!Number.isInteger(maxParallelPieces) || maxParallelPieces < 1) {
    throw new InvalidArgumentError(
      `[speechProbabilities] maxParallelPieces must be a positive integer: ${maxParallelPieces}`,
    );
  }
  const windows = windowCount(samples.length);
  const pieceWindows = Math.round((pieceS * VAD_SAMPLE_RATE_HZ) / WINDOW_SAMPLES);
  const searchWindows = Math.min(
    Math.round((CUT_SEARCH_S * VAD_SAMPLE_RATE_HZ) / WINDOW_SAMPLES),
    Math.floor(pieceWindows / 2),
  );
  const starts = pieceStartWindows(samples, windows, pieceWindows, searchWindows);
  const probabilities = new Float32Array(windows);
  if (windows === 0) return { probabilities, pieceStartWindows: starts, durationSamples: 0 };

  const model = source instanceof SileroModel ? source : await SileroModel.load(source, modelOptions);
  try {
    const progress = { done: 0, total: windows, onProgress };
    for (let first = 0; first < starts.length; first += maxParallelPieces) {
      const pieces = starts.slice(first, first + maxParallelPieces).map((start, i) => ({
        start,
        end: starts[first + i + 1] ?? windows,
      }));
      await runPiecesTogether(model, samples, pieces, probabilities, progress);
    }
  } finally {
    if (!(source instanceof SileroModel)) await model.dispose();
  }
  return { probabilities, pieceStartWindows: starts, durationSamples: samples.length };
}

interface Piece {
  readonly start: number;
  readonly end: number;
}

interface Progress {
  done: number;
  readonly total: number;
  readonly onProgress: ((windowsDone: number, windowsTotal: number) => void) | undefined;
}

/** Advances the pieces in lockstep, one window each per model call; a piece leaves the batch when it ends. */
async function runPiecesTogether(
  model: SileroModel,
  samples: Float32Array,
  pieces: readonly Piece[],
  probabilities: Float32Array,
  progress: Progress,
): Promise<void> {
  let active = pieces;
  let state: Float32Array = new Float32Array(active.length * STATE_FLOATS_PER_ROW);
  let input = new Float32Array(active.length * INPUT_SAMPLES);
  for (let step = 0; active.length > 0; step++) {
    const rows = active.length;
    for (let row = 0; row < rows; row++) {
      fillWindowRow(samples, active[row]!.start + step, step === 0, input, row * INPUT_SAMPLES);
    }
    const result = await model.run(input, state, rows);
    for (let row = 0; row < rows; row++)
      probabilities[active[row]!.start + step] = result.probabilities[row]!;
    progress.done += rows;
    progress.onProgress?.(progress.done, progress.total);

    const next = active.filter((piece) => piece.start + step + 1 < piece.end);
    state = next.length === rows ? result.state : keepRows(result.state, active, next);
    if (next.length !== rows) input = new Float32Array(next.length * INPUT_SAMPLES);
    active = next;
  }
}

/** The [2, kept, 128] state of the pieces in `kept`, taken from the [2, rows, 128] state of `all`. */
function keepRows(state: Float32Array, all: readonly Piece[], kept: readonly Piece[]): Float32Array {
  const out = new Float32Array(kept.length * STATE_FLOATS_PER_ROW);
  const layerIn = all.length * STATE_WIDTH;
  const layerOut = kept.length * STATE_WIDTH;
  kept.forEach((piece, to) => {
    const from = all.indexOf(piece);
    for (let layer = 0; layer < 2; layer++) {
      out.set(
        state.subarray(layer * layerIn + from * STATE_WIDTH, layer * layerIn + (from + 1) * STATE_WIDTH),
        layer * layerOut + to * STATE_WIDTH,
      );
    }
  });
  return out;
}
