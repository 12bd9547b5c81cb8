/**
 * Silero loaded on worker threads that stay loaded: each thread holds its own onnxruntime session of the model file
 * and runs a share of a signal's pieces when speechProbabilities asks (`model: workers`). Starting a thread and its
 * session costs ~0.15–0.4 s (measured on a 2-core host), which a long-lived owner — a Transcriber, the server — pays
 * once, beside its model load, instead of on every file.
 *
 * Idle threads do not keep the process alive (they are unref'd between runs). Runs are served one at a time, in the
 * order asked. A thread is never stopped inside onnxruntime (that would take the process down): dispose() waits for
 * the run in flight, then lets each thread release its session and end.
 */

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { EngineError, errorFromCode, InvalidArgumentError } from '@verbatim/core';
import type { Piece, Progress } from './internal/run-pieces.js';
import type {
  SileroWorkerCommand,
  SileroWorkerJob,
  SileroWorkerMessage,
  SileroWorkerSetup,
  WorkerFailure,
} from './internal/silero-worker.js';
import { type SileroModelOptions, type SileroModelSource, sileroModelPath } from './silero-model.js';

export interface SileroWorkersOptions extends SileroModelOptions {
  /** Worker threads to start, each with its own session of the model (a positive integer). */
  threads: number;
}

/** What one run over the threads reads and writes: speechProbabilities' pieces, shared out, and its outputs. */
export interface SharesRun {
  readonly samples: Float32Array;
  /** At most `threads` shares; share i runs on thread i. */
  readonly shares: readonly (readonly Piece[])[];
  readonly maxParallelPieces: number;
  /** Written in place: one probability per window of `samples`. */
  readonly probabilities: Float32Array;
  readonly progress: Progress;
}

/** One worker thread and the promise of its end. */
interface Thread {
  readonly worker: Worker;
  readonly exited: Promise<number>;
}

export class SileroWorkers implements AsyncDisposable {
  /** The model file every thread loaded. */
  readonly path: string;
  readonly #threads: readonly Thread[];
  /** The runs asked for so far, chained: each starts when the one before has settled. */
  #queue: Promise<void> = Promise.resolve();
  #disposal: Promise<void> | undefined;
  /** Why the threads can no longer run (one of them ended on its own), once that happened. */
  #broken: EngineError | undefined;

  private constructor(path: string, threads: readonly Thread[]) {
    this.path = path;
    this.#threads = threads;
    for (const { worker, exited } of threads) {
      worker.unref();
      void exited.then((code) => {
        if (this.#disposal === undefined) this.#broken ??= threadStopped('SileroWorkers', code, path);
      });
    }
  }

  /** How many threads the pieces are shared among. */
  get threads(): number {
    return this.#threads.length;
  }

  /**
   * Starts `options.threads` worker threads and loads the model in each. Default model: the shipped v6.
   * @throws InvalidArgumentError for an unknown version or a bad thread count; ModelLoadError (naming the path) as
   *   SileroModel.load; EngineError E_BACKEND when a thread cannot start (the package not built: see workerUrl).
   */
  static async start(source: SileroModelSource, options: SileroWorkersOptions): Promise<SileroWorkers> {
    const { threads, intraOpThreads = 1 } = options;
    if (!Number.isInteger(threads) || threads < 1) {
      throw new InvalidArgumentError(`[SileroWorkers.start] threads must be a positive integer: ${threads}`);
    }
    if (!Number.isInteger(intraOpThreads) || intraOpThreads < 1) {
      throw new InvalidArgumentError(
        `[SileroWorkers.start] intraOpThreads must be a positive integer: ${intraOpThreads}`,
      );
    }
    const path = typeof source === 'string' ? sileroModelPath(source) : source?.path;
    if (typeof path !== 'string' || path.length === 0) {
      throw new InvalidArgumentError(
        `[SileroWorkers.start] source must be a version or { path }: ${String(source)}`,
      );
    }
    const url = workerUrl();
    const setup: SileroWorkerSetup = { modelPath: path, intraOpThreads };
    const started = Array.from({ length: threads }, (): Thread => {
      // No inherited flags: a test runner's `--conditions` would point the built worker's imports at sources.
      const worker = new Worker(url, { workerData: setup, execArgv: [] });
      return { worker, exited: new Promise((resolve) => worker.once('exit', resolve)) };
    });
    const loads = await Promise.allSettled(started.map((thread) => loaded(thread, path)));
    const failed = loads.find((load): load is PromiseRejectedResult => load.status === 'rejected');
    if (failed !== undefined) {
      await Promise.all(started.map(stop));
      throw failed.reason;
    }
    return new SileroWorkers(path, started);
  }

  /**
   * Runs each share of `pieces` on a thread of its own (share i on thread i; at most `threads` shares) and writes
   * their probabilities into `probabilities` in place. Every share is let finish, and the first failure is thrown once
   * all have. speechProbabilities' door to the threads; not meant to be called directly.
   * @internal
   */
  runShares(run: SharesRun): Promise<void> {
    if (this.#disposal !== undefined) {
      return Promise.reject(
        new EngineError('E_DISPOSED', `[SileroWorkers] used after dispose(): ${this.path}`, {
          path: this.path,
        }),
      );
    }
    if (run.shares.length < 1 || run.shares.length > this.#threads.length) {
      return Promise.reject(
        new InvalidArgumentError(
          `[SileroWorkers] shares must number 1 to ${this.#threads.length}: ${run.shares.length}`,
        ),
      );
    }
    const done = this.#queue.then(() => this.#runNow(run));
    this.#queue = done.catch(() => undefined);
    return done;
  }

  /** Waits for the run in flight and any queued, then lets every thread release its session and end. Idempotent. */
  dispose(): Promise<void> {
    this.#disposal ??= this.#queue.then(async () => {
      await Promise.all(this.#threads.map(stop));
    });
    return this.#disposal;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  async #runNow({ samples, shares, maxParallelPieces, probabilities, progress }: SharesRun): Promise<void> {
    if (this.#broken !== undefined) throw this.#broken;
    const shared = inSharedMemory(samples);
    // Referenced while they work, so that the process waits for them.
    for (const { worker } of this.#threads) worker.ref();
    try {
      const runs = shares.map(
        (pieces, i) =>
          runShare(this.#threads[i]!, this.path, progress, {
            type: 'run',
            samples: shared,
            windows: probabilities.length,
            pieces,
            maxParallelPieces,
          }).then((share) => probabilities.set(share, pieces[0]!.start)), // a share's pieces are one run
      );
      const settled = await Promise.allSettled(runs);
      const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    } finally {
      for (const { worker } of this.#threads) worker.unref();
    }
  }
}

/**
 * Runs one share on `thread` and resolves with its probabilities, adding its progress messages to `progress` as they
 * come and the windows not yet reported once it is done.
 */
function runShare(
  thread: Thread,
  path: string,
  progress: Progress,
  job: SileroWorkerJob,
): Promise<Float32Array> {
  let reported = 0;
  const report = (done: number) => {
    progress.done += done - reported;
    reported = done;
    progress.onProgress?.(progress.done, progress.total);
  };
  return new Promise((resolve, reject) => {
    const { worker } = thread;
    const onMessage = (message: SileroWorkerMessage) => {
      if (message.type === 'progress') {
        report(message.done);
      } else if (message.type === 'result') {
        settle();
        report(message.probabilities.length);
        resolve(message.probabilities);
      } else if (message.type === 'error') {
        settle();
        reject(rebuild(message.failure, path));
      }
    };
    const onExit = (code: number) => {
      settle();
      reject(threadStopped('SileroWorkers', code, path));
    };
    const settle = () => {
      worker.off('message', onMessage);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.once('exit', onExit);
    worker.postMessage(job satisfies SileroWorkerCommand);
  });
}

/** Resolves once the thread has loaded its session; rejects with the load's error, or when the thread ends first. */
function loaded({ worker, exited }: Thread, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let failure: Error | undefined;
    worker.once('message', (message: SileroWorkerMessage) => {
      if (message.type === 'ready') resolve();
      else if (message.type === 'failed') reject(rebuild(message.failure, path));
    });
    worker.once('error', (cause) => {
      failure = new EngineError(
        'E_BACKEND',
        `[SileroWorkers.start] a VAD worker thread failed: ${cause.message}`,
        { path, cause },
      );
    });
    void exited.then((code) => reject(failure ?? threadStopped('SileroWorkers.start', code, path)));
  });
}

/**
 * Asks the thread to release its session and end (a thread that already ended ignores it), and waits for its end —
 * referenced meanwhile, or a process with nothing else to do would exit before the thread had released its session.
 */
async function stop({ worker, exited }: Thread): Promise<void> {
  worker.ref();
  worker.postMessage({ type: 'stop' } satisfies SileroWorkerCommand);
  await exited;
}

/** `samples` itself when it already views shared memory (read in place by every thread), else a shared copy. */
function inSharedMemory(samples: Float32Array): Float32Array {
  if (samples.buffer instanceof SharedArrayBuffer) return samples;
  const shared = new Float32Array(new SharedArrayBuffer(samples.byteLength));
  shared.set(samples);
  return shared;
}

/** A thread that ended when it was not asked to. */
function threadStopped(operation: string, code: number, path: string): EngineError {
  return new EngineError(
    'E_BACKEND',
    `[${operation}] a VAD worker thread stopped (exit code ${code}): ${path}`,
    {
      path,
    },
  );
}

/** The worker's error as the same class on this thread (errorFromCode), naming the model file. */
function rebuild(failure: WorkerFailure, path: string): Error {
  return errorFromCode(failure.code, failure.message, { path });
}

/**
 * dist/internal/silero-worker.js: beside this module once built; from src/ (the repository's own tests run the
 * TypeScript sources, which a worker thread cannot load) the package's built one.
 */
function workerUrl(): URL {
  for (const candidate of ['./internal/silero-worker.js', '../dist/internal/silero-worker.js']) {
    const url = new URL(candidate, import.meta.url);
    if (existsSync(fileURLToPath(url))) return url;
  }
  throw new EngineError(
    'E_BACKEND',
    `[SileroWorkers.start] worker threads need the package built (pnpm build): no ${fileURLToPath(new URL('../dist/internal/silero-worker.js', import.meta.url))}`,
  );
}
