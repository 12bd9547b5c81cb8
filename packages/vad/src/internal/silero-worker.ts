/**
 * A worker thread of speechProbabilities (`threads` > 1): loads its own session of the model file and advances its
 * share of the pieces as speechProbabilities would on one thread, reading the signal from shared memory. Posts
 * `{ done }` after every model call and, at the end, `{ probabilities }`: its share's windows (one run: the share's
 * pieces follow one another).
 */

import { parentPort, workerData } from 'node:worker_threads';
import { SileroModel } from '../silero-model.js';
import { type Piece, runPiecesInGroups } from './run-pieces.js';

/** What speechProbabilities hands a worker (structured-cloned; `samples` views a SharedArrayBuffer). */
export interface PieceWorkerJob {
  readonly modelPath: string;
  readonly intraOpThreads: number;
  readonly samples: Float32Array;
  readonly windows: number;
  readonly pieces: readonly Piece[];
  readonly maxParallelPieces: number;
}

const job = workerData as PieceWorkerJob;
const port = parentPort;
if (port === null) throw new Error('piece-worker.js runs as a worker thread of speechProbabilities');
const model = await SileroModel.load({ path: job.modelPath }, { intraOpThreads: job.intraOpThreads });
try {
  const all = new Float32Array(job.windows);
  const progress = {
    done: 0,
    total: job.windows,
    onProgress: (done: number) => port.postMessage({ done }),
  };
  await runPiecesInGroups(model, job.samples, job.pieces, job.maxParallelPieces, all, progress);
  // The share's pieces follow one another: their windows are one run.
  const mine = all.slice(job.pieces[0]!.start, job.pieces.at(-1)!.end);
  port.postMessage({ probabilities: mine }, [mine.buffer]);
} finally {
  await model.dispose();
}
