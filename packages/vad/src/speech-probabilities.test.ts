import { InvalidArgumentError } from '@verbatim/core';
import { describe, expect, it } from 'vitest';
import { WINDOW_SAMPLES } from './constants.js';
import type { SileroModel } from './silero-model.js';
import { SileroVad } from './silero-vad.js';
import { speechProbabilities } from './speech-probabilities.js';
import { useSileroModels } from './test-support/models.js';
import {
  longSpeech,
  progressReachedAll,
  type ReportedProgress,
  readSpeech,
  recordProgress,
} from './test-support/speech.js';

// 200 s of speech and pauses: 4 pieces under the default 60 s (cuts near 60, 120 and 180 s).
const long = longSpeech(200);

/** A stream fed every window of `samples`, reset before each window in `resetAt`. */
async function streamed(
  model: SileroModel,
  samples: Float32Array,
  resetAt: readonly number[],
): Promise<number[]> {
  const vad = await SileroVad.create({ model });
  const out: number[] = [];
  const frame = new Float32Array(WINDOW_SAMPLES);
  for (let w = 0; w * WINDOW_SAMPLES < samples.length; w++) {
    if (resetAt.includes(w)) await vad.reset();
    frame.fill(0);
    frame.set(samples.subarray(w * WINDOW_SAMPLES, (w + 1) * WINDOW_SAMPLES));
    out.push(await vad.process(frame));
  }
  await vad.dispose();
  return out;
}

describe('speechProbabilities', () => {
  const models = useSileroModels();

  it('computes pieces side by side exactly as one after another, and as a stream reset at each piece', async () => {
    const together = await speechProbabilities(long, { model: models.v6 });
    const oneByOne = await speechProbabilities(long, { model: models.v6, maxParallelPieces: 1 });
    const inPairs = await speechProbabilities(long, { model: models.v6, maxParallelPieces: 2 });
    expect(together.pieceStartWindows.length).toBe(4);
    expect(together.probabilities.length).toBe(Math.ceil(long.length / 512));
    expect(oneByOne.pieceStartWindows).toEqual(together.pieceStartWindows);
    expect(Array.from(oneByOne.probabilities)).toEqual(Array.from(together.probabilities));
    expect(Array.from(inPairs.probabilities)).toEqual(Array.from(together.probabilities));
    // The boundary rule, end to end: the same as a plain Silero stream reset at every piece start.
    expect(Array.from(together.probabilities)).toEqual(
      await streamed(models.v6, long, together.pieceStartWindows),
    );
  });

  it('shares the pieces among worker threads with the same bits, progress and pieces as one thread', async () => {
    const one = await speechProbabilities(long, { model: models.v6 });
    for (const threads of [2, 3, 8]) {
      const reported: ReportedProgress = { done: [], total: undefined };
      const shared = await speechProbabilities(long, {
        model: models.v6,
        threads,
        maxParallelPieces: 2,
        onProgress: recordProgress(reported),
      });
      expect(shared.pieceStartWindows).toEqual(one.pieceStartWindows);
      expect(Array.from(shared.probabilities)).toEqual(Array.from(one.probabilities));
      expect(progressReachedAll(reported, one.probabilities.length)).toBe(true);
    }
    // A shipped version by name, loaded by each worker from its file.
    const byName = await speechProbabilities(long, { model: 'v6', threads: 2 });
    expect(Array.from(byName.probabilities)).toEqual(Array.from(one.probabilities));
  });

  it('runs the whole signal as one stream with pieceS Infinity', async () => {
    const whole = await speechProbabilities(long, { model: models.v6, pieceS: Number.POSITIVE_INFINITY });
    expect(whole.pieceStartWindows).toEqual([0]);
    expect(Array.from(whole.probabilities)).toEqual(await streamed(models.v6, long, [0]));
  });

  it('keeps a signal no longer than a piece in one stream (jfk: one piece under the default 60 s)', async () => {
    const jfk = readSpeech('jfk/jfk.wav').samples;
    const pieced = await speechProbabilities(jfk, { model: models.v6 });
    expect(pieced.pieceStartWindows).toEqual([0]);
    const whole = await speechProbabilities(jfk, { model: models.v6, pieceS: Number.POSITIVE_INFINITY });
    expect(Array.from(pieced.probabilities)).toEqual(Array.from(whole.probabilities));
  });

  it('keeps the event loop turning while it runs', async () => {
    let done = 0;
    const seenByTimer: number[] = [];
    const timer = setInterval(() => seenByTimer.push(done), 1);
    let total = 0;
    try {
      await speechProbabilities(long, {
        model: models.v6,
        onProgress: (windowsDone, windowsTotal) => {
          done = windowsDone;
          total = windowsTotal;
        },
      });
    } finally {
      clearInterval(timer);
    }
    expect(done).toBe(total);
    expect(total).toBe(Math.ceil(long.length / 512));
    // A timer callback ran while the VAD was part-way through: it never held the thread for the whole run.
    expect(seenByTimer.some((seen) => seen > 0 && seen < total)).toBe(true);
  });

  it('rejects bad options naming the value', async () => {
    await expect(speechProbabilities(long, { model: models.v6, pieceS: 0.5 })).rejects.toThrow(
      /pieceS .*: 0\.5/,
    );
    await expect(speechProbabilities(long, { model: models.v6, maxParallelPieces: 0 })).rejects.toThrow(
      InvalidArgumentError,
    );
    await expect(speechProbabilities(long, { intraOpThreads: 0 })).rejects.toThrow(/intraOpThreads/);
    for (const threads of [0, 1.5]) {
      await expect(speechProbabilities(long, { model: models.v6, threads })).rejects.toThrow(
        new RegExp(`threads must be a positive integer: ${threads}`),
      );
    }
  });
});
