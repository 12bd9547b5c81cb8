/**
 * A worker thread of SileroWorkers: loads its own session of the model file once, then runs jobs until told to
 * stop. A job is a share of a signal's pieces, advanced as speechProbabilities would on one thread, the signal read
 * from shared memory.
 *
 * Messages out: `ready` or `failed` once loaded; per job `progress` (windows done, at most every PROGRESS_INTERVAL_MS,
 * so sixteen workers do not flood the main thread with a message per model call) and then `result` or `error`.
 */

import { parentPort, workerData } from 'node:worker_threads';
import type { ErrorCode } from '@verbatim/core';
import { SileroModel } from '../silero-model.js';
import { type Piece, runPiecesInGroups } from './run-pieces.js';

/** How the worker loads its session (workerData). */
export interface SileroWorkerSetup {
  readonly modelPath: string;
  readonly intraOpThreads: number;
}

/** A share of a signal's pieces to advance. `samples` views a SharedArrayBuffer. */
export interface SileroWorkerJob {
  readonly type: 'run';
  readonly samples: Float32Array;
  readonly windows: number;
  readonly pieces: readonly Piece[];
  readonly maxParallelPieces: number;
}

export type SileroWorkerCommand = SileroWorkerJob | { readonly type: 'stop' };

/** An error crossing the thread boundary: enough to rebuild the same error class (errorFromCode). */
export interface WorkerFailure {
  readonly code: ErrorCode | string;
  readonly message: string;
}

export type SileroWorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'failed'; readonly failure: WorkerFailure }
  | { readonly type: 'progress'; readonly done: number }
  | { readonly type: 'result'; readonly probabilities: Float32Array }
  | { readonly type: 'error'; readonly failure: WorkerFailure };

/** Progress is posted at most this often: a message per model call would be ~1,900 a minute of audio a worker. */
const PROGRESS_INTERVAL_MS = 20;

const port = parentPort;
if (port === null) throw new Error('silero-worker.js runs as a worker thread of SileroWorkers');
const setup = workerData as SileroWorkerSetup;
const post = (message: SileroWorkerMessage, transfer?: ArrayBuffer[]) => port.postMessage(message, transfer);

const model = await loadModel();
if (model === undefined) {
  port.close(); // nothing else holds the thread: it ends
} else {
  post({ type: 'ready' });
  // Jobs run one at a time: the main thread sends the next only after this one's result or error.
  port.on('message', (command: SileroWorkerCommand) => {
    if (command.type === 'stop') {
      void model.dispose().finally(() => port.close());
      return;
    }
    void runJob(model, command);
  });
}

async function loadModel(): Promise<SileroModel | undefined> {
  try {
    return await SileroModel.load({ path: setup.modelPath }, { intraOpThreads: setup.intraOpThreads });
  } catch (error) {
    post({ type: 'failed', failure: failureOf(error) });
    return undefined;
  }
}

async function runJob(model: SileroModel, job: SileroWorkerJob): Promise<void> {
  try {
    const all = new Float32Array(job.windows);
    let postedAt = performance.now();
    const progress = {
      done: 0,
      total: job.windows,
      onProgress: (done: number) => {
        const now = performance.now();
        if (now - postedAt < PROGRESS_INTERVAL_MS) return;
        postedAt = now;
        post({ type: 'progress', done });
      },
    };
    await runPiecesInGroups(model, job.samples, job.pieces, job.maxParallelPieces, all, progress);
    // The share's pieces follow one another: their windows are one run.
    const mine = all.slice(job.pieces[0]!.start, job.pieces.at(-1)!.end);
    post({ type: 'result', probabilities: mine }, [mine.buffer as ArrayBuffer]);
  } catch (error) {
    post({ type: 'error', failure: failureOf(error) });
  }
}

function failureOf(error: unknown): WorkerFailure {
  const code = (error as { code?: unknown } | null)?.code;
  return {
    code: typeof code === 'string' ? code : 'E_BACKEND',
    message: error instanceof Error ? error.message : String(error),
  };
}
