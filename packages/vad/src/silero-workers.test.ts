import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { EngineError, InvalidArgumentError, ModelLoadError } from '@verbatim/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SileroWorkers } from './silero-workers.js';
import { speechProbabilities } from './speech-probabilities.js';
import { useSileroModels } from './test-support/models.js';
import {
  longSpeech,
  progressReachedAll,
  type ReportedProgress,
  readSpeech,
  recordProgress,
} from './test-support/speech.js';

// 200 s of speech and pauses: 4 pieces under the default 60 s.
const long = longSpeech(200);
const jfk = readSpeech('jfk/jfk.wav').samples;

describe('SileroWorkers', () => {
  const models = useSileroModels();
  let workers: SileroWorkers;
  beforeAll(async () => {
    workers = await SileroWorkers.start('v6', { threads: 3 });
  });
  afterAll(async () => {
    await workers.dispose();
  });

  it('computes the same bits as one thread, run after run, with progress up to the total', async () => {
    const one = await speechProbabilities(long, { model: models.v6 });
    expect(workers.threads).toBe(3);
    for (let run = 0; run < 2; run++) {
      const reported: ReportedProgress = { done: [], total: undefined };
      const shared = await speechProbabilities(long, {
        model: workers,
        onProgress: recordProgress(reported),
      });
      expect(shared.pieceStartWindows).toEqual(one.pieceStartWindows);
      expect(Array.from(shared.probabilities)).toEqual(Array.from(one.probabilities));
      expect(progressReachedAll(reported, one.probabilities.length)).toBe(true);
    }
  });

  it('serves calls made at once in turn, each with its own result', async () => {
    const [a, b, c] = await Promise.all([
      speechProbabilities(long, { model: workers }),
      speechProbabilities(jfk, { model: workers }),
      speechProbabilities(long.subarray(0, 16000 * 70), { model: workers }),
    ]);
    expect(Array.from(a.probabilities)).toEqual(
      Array.from((await speechProbabilities(long, { model: models.v6 })).probabilities),
    );
    // jfk is one piece: it runs on one of the threads, still the same bits as this thread's model.
    expect(Array.from(b.probabilities)).toEqual(
      Array.from((await speechProbabilities(jfk, { model: models.v6 })).probabilities),
    );
    expect(c.pieceStartWindows.length).toBe(2);
    expect(Array.from(c.probabilities)).toEqual(
      Array.from(
        (await speechProbabilities(long.subarray(0, 16000 * 70), { model: models.v6 })).probabilities,
      ),
    );
  });

  it('reads a signal already in shared memory in place', async () => {
    const shared = new Float32Array(new SharedArrayBuffer(jfk.byteLength));
    shared.set(jfk);
    const result = await speechProbabilities(shared, { model: workers });
    expect(Array.from(result.probabilities)).toEqual(
      Array.from((await speechProbabilities(jfk, { model: models.v6 })).probabilities),
    );
  });

  it('takes its thread count from the workers, not from options', async () => {
    await expect(speechProbabilities(long, { model: workers, threads: 2 })).rejects.toThrow(
      /threads comes from the SileroWorkers given as model \(3\), not options: 2/,
    );
  });

  it('rejects bad thread counts and sources naming the value', async () => {
    for (const threads of [0, 1.5, Number.NaN]) {
      await expect(SileroWorkers.start('v6', { threads })).rejects.toThrow(
        new RegExp(`threads must be a positive integer: ${threads}`),
      );
    }
    await expect(SileroWorkers.start('v6', { threads: 1, intraOpThreads: 0 })).rejects.toThrow(
      /intraOpThreads must be a positive integer: 0/,
    );
    await expect(SileroWorkers.start('v7' as 'v6', { threads: 1 })).rejects.toThrow(InvalidArgumentError);
    await expect(SileroWorkers.start({ path: '' }, { threads: 1 })).rejects.toThrow(/source must be/);
  });

  it('fails to start with the load error naming a file that is not a Silero model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verbatim-silero-workers-'));
    const notOnnx = join(dir, 'not-a-model.onnx');
    writeFileSync(notOnnx, 'not an ONNX file');
    const start = SileroWorkers.start({ path: notOnnx }, { threads: 2 });
    await expect(start).rejects.toThrow(ModelLoadError);
    await expect(start).rejects.toThrow(notOnnx);
    await expect(SileroWorkers.start({ path: join(dir, 'missing.onnx') }, { threads: 1 })).rejects.toThrow(
      ModelLoadError,
    );
  });

  it('waits for the run in flight on dispose, is idempotent, and refuses runs after it', async () => {
    const own = await SileroWorkers.start('v6', { threads: 2 });
    const run = speechProbabilities(long, { model: own });
    const disposed = own.dispose();
    expect(own.dispose()).toBe(disposed);
    const result = await run; // not cut short by dispose()
    expect(result.probabilities.length).toBe(Math.ceil(long.length / 512));
    await disposed;
    const after = speechProbabilities(long, { model: own });
    await expect(after).rejects.toThrow(EngineError);
    await expect(after).rejects.toMatchObject({ code: 'E_DISPOSED' });
  });

  it('lets a process end: idle workers never disposed do not keep it alive, disposed ones end first', async () => {
    const entry = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    // The first call starts and disposes threads of its own; the process must wait for them to end, not exit early.
    const script = `
      const { SileroWorkers, speechProbabilities } = await import(${JSON.stringify(entry)});
      const silence = new Float32Array(16000 * 130);
      const own = await speechProbabilities(silence, { threads: 2 });
      const workers = await SileroWorkers.start('v6', { threads: 2 });
      const { probabilities } = await speechProbabilities(silence, { model: workers });
      console.log(own.probabilities.length === probabilities.length ? probabilities.length : 'differ');
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      timeout: 60_000,
    });
    expect(stdout.trim()).toBe(String(Math.ceil((16000 * 130) / 512)));
  });
});
