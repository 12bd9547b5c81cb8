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
 *
 * Threads: given `threads` > 1, the pieces are shared among that many worker threads started for this call (each
 * loading its own session); given `model: SileroWorkers`, among those already-started threads, which is what a caller
 * with many signals wants (the start costs ~0.15–0.4 s). The probabilities are the same bits either way.
 */

import { InvalidArgumentError } from '@verbatim/core';
import { VAD_SAMPLE_RATE_HZ, WINDOW_SAMPLES } from './constants.js';
import { pieceStartWindows } from './internal/piece-plan.js';
import { type Piece, type Progress, runPiecesInGroups } from './internal/run-pieces.js';
import { type VadAudioInput, vadSamples } from './internal/vad-input.js';
import { windowCount } from './internal/window-rows.js';
import { SileroModel, type SileroModelOptions, type SileroModelSource } from './silero-model.js';
import { SileroWorkers } from './silero-workers.js';

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
  /**
   * A shipped version ('v5', 'v6'), `{ path }`, a loaded SileroModel to share, or started SileroWorkers to run on
   * (neither disposed here). Default 'v6'.
   */
  model?: SileroModelSource | SileroModel | SileroWorkers;
  /** Nominal piece length in seconds (default 60, at least 1); Infinity runs the whole signal as one stream. */
  pieceS?: number;
  /** Most pieces advanced together in one model call (default 32); 1 runs them one after another. */
  maxParallelPieces?: number;
  /**
   * Threads the pieces are shared among (default 1: this one). Above 1, up to that many worker threads each load
   * their own session of the model's file and advance a contiguous share of the pieces; the probabilities are the
   * same bits (a row's result does not depend on the rows beside it), sooner on a machine with the cores. Not given
   * with `model: SileroWorkers`, whose own threads are used.
   */
  threads?: number;
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
    threads = 1,
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
  if (!Number.isInteger(threads) || threads < 1) {
    throw new InvalidArgumentError(`[speechProbabilities] threads must be a positive integer: ${threads}`);
  }
  if (source instanceof SileroWorkers && options.threads !== undefined) {
    throw new InvalidArgumentError(
      `[speechProbabilities] threads comes from the SileroWorkers given as model (${source.threads}), not options: ${threads}`,
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

  const progress: Progress = { done: 0, total: windows, onProgress };
  const pieces = starts.map((start, i) => ({ start, end: starts[i + 1] ?? windows }));
  if (source instanceof SileroWorkers) {
    const shares = splitPieces(pieces, Math.min(source.threads, pieces.length));
    await source.runShares({ samples, shares, maxParallelPieces, probabilities, progress });
  } else if (Math.min(threads, pieces.length) > 1) {
    const shares = splitPieces(pieces, Math.min(threads, pieces.length));
    const path = source instanceof SileroModel ? { path: source.path } : source;
    const workers = await SileroWorkers.start(path, { ...modelOptions, threads: shares.length });
    try {
      await workers.runShares({ samples, shares, maxParallelPieces, probabilities, progress });
    } finally {
      await workers.dispose();
    }
  } else {
    const model = source instanceof SileroModel ? source : await SileroModel.load(source, modelOptions);
    try {
      await runPiecesInGroups(model, samples, pieces, maxParallelPieces, probabilities, progress);
    } finally {
      if (model !== source) await model.dispose();
    }
  }
  return { probabilities, pieceStartWindows: starts, durationSamples: samples.length };
}

/** `pieces` in `n` contiguous shares of about the same number of windows (each share at least one piece). */
function splitPieces(pieces: readonly Piece[], n: number): Piece[][] {
  const windows = pieces.at(-1)!.end - pieces[0]!.start;
  const shares: Piece[][] = [];
  let share: Piece[] = [];
  let done = 0;
  pieces.forEach((piece, i) => {
    share.push(piece);
    done += piece.end - piece.start;
    const left = pieces.length - i - 1;
    const sharesLeft = n - shares.length - 1;
    // Close the share once it holds its part of the windows, or when every later piece must start a share.
    if (sharesLeft > 0 && (done >= (windows * (shares.length + 1)) / n || left === sharesLeft)) {
      shares.push(share);
      share = [];
    }
  });
  shares.push(share);
  return shares;
}
