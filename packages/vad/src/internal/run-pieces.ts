/**
 * The pieces of a signal advanced in lockstep through one Silero model: what speechProbabilities runs on its own
 * thread, and each of its worker threads (piece-worker.ts) on its share of the pieces.
 */

import { INPUT_SAMPLES, STATE_FLOATS_PER_ROW, STATE_WIDTH } from '../constants.js';
import type { SileroModel } from '../silero-model.js';
import { fillWindowRow } from './window-rows.js';

/** Windows [start, end) of the signal: one stream from a fresh state. */
export interface Piece {
  readonly start: number;
  readonly end: number;
}

/** Windows finished so far, of all, and whom to tell. */
export interface Progress {
  done: number;
  readonly total: number;
  readonly onProgress: ((windowsDone: number, windowsTotal: number) => void) | undefined;
}

/** Advances `pieces` `maxParallelPieces` at a time, each group in lockstep (runPiecesTogether). */
export async function runPiecesInGroups(
  model: SileroModel,
  samples: Float32Array,
  pieces: readonly Piece[],
  maxParallelPieces: number,
  probabilities: Float32Array,
  progress: Progress,
): Promise<void> {
  for (let first = 0; first < pieces.length; first += maxParallelPieces) {
    await runPiecesTogether(
      model,
      samples,
      pieces.slice(first, first + maxParallelPieces),
      probabilities,
      progress,
    );
  }
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
