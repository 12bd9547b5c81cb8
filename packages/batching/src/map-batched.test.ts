import { InvalidArgumentError, VerbatimError } from '@verbatim/core';
import { describe, expect, it } from 'vitest';
import { BatchError } from './batch-error.js';
import type { Batch } from './batch-plan.js';
import { mapBatched } from './map-batched.js';

/** A promise settled from outside. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets queued promise callbacks run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A runBatch whose calls wait until the test finishes them, recording what started. */
function controlled() {
  const calls: { items: number[]; batch: Batch; done: ReturnType<typeof deferred<number[]>> }[] = [];
  const runBatch = (items: number[], batch: Batch) => {
    const done = deferred<number[]>();
    calls.push({ items, batch, done });
    return done.promise;
  };
  return { calls, runBatch };
}

describe('mapBatched', () => {
  it('returns results in input order when batches finish out of order', async () => {
    const { calls, runBatch } = controlled();
    const items = [10, 11, 12, 13, 14, 15, 16];
    const result = mapBatched(items, { batchSize: 2, maxInFlight: 4 }, runBatch);
    await settle();
    expect(calls.map((c) => c.items)).toEqual([[10, 11], [12, 13], [14, 15], [16]]);
    for (const call of [...calls].reverse()) call.done.resolve(call.items.map((x) => x * 2));
    expect(await result).toEqual([20, 22, 24, 26, 28, 30, 32]);
  });

  it('puts results back at their items’ places when batches run longest first', async () => {
    const words = ['a', 'abcd', 'ab', 'abcdef', 'abc'];
    const seen: string[][] = [];
    const result = await mapBatched(words, { batchSize: 2, length: (w) => w.length }, async (batch) => {
      seen.push(batch);
      return batch.map((w) => w.toUpperCase());
    });
    expect(seen).toEqual([['abcdef', 'abcd'], ['abc', 'ab'], ['a']]);
    expect(result).toEqual(['A', 'ABCD', 'AB', 'ABCDEF', 'ABC']);
  });

  it('never has more than maxInFlight batches running, starting the next when one settles', async () => {
    const { calls, runBatch } = controlled();
    const result = mapBatched([0, 1, 2, 3, 4, 5], { batchSize: 1, maxInFlight: 2 }, runBatch);
    await settle();
    expect(calls.map((c) => c.batch.index)).toEqual([0, 1]);
    calls[1]!.done.resolve([1]);
    await settle();
    expect(calls.map((c) => c.batch.index)).toEqual([0, 1, 2]);
    calls[0]!.done.resolve([0]);
    calls[2]!.done.resolve([2]);
    await settle();
    expect(calls.map((c) => c.batch.index)).toEqual([0, 1, 2, 3, 4]);
    calls[3]!.done.resolve([3]);
    calls[4]!.done.resolve([4]);
    await settle();
    calls[5]!.done.resolve([5]);
    expect(await result).toEqual([0, 1, 2, 3, 4, 5]);
    expect(calls).toHaveLength(6);
  });

  it('keeps every batch it runs within the budget', async () => {
    const sizes = [400, 300, 200, 500, 100, 600, 250, 250];
    const batchBytes: number[] = [];
    await mapBatched(sizes, { batchSize: 8, budgetBytes: 700, itemBytes: (s) => s }, async (batch) => {
      batchBytes.push(batch.reduce((sum, s) => sum + s, 0));
      return batch;
    });
    // [400, 300] 700; [200, 500] 700; [100, 600] 700; [250, 250] 500.
    expect(batchBytes).toEqual([700, 700, 700, 500]);
  });

  it('rejects naming the failing batch, starts no batch after it, and waits for the running ones', async () => {
    const { calls, runBatch } = controlled();
    let settled = false;
    const result = mapBatched([0, 1, 2, 3, 4, 5, 6, 7], { batchSize: 2, maxInFlight: 2 }, runBatch);
    result
      .catch(() => undefined)
      .finally(() => {
        settled = true;
      });
    await settle();
    const cause = new VerbatimError('E_OOM', '[encode] out of memory: 2 GiB');
    calls[1]!.done.reject(cause);
    await settle();
    // Batch 1 failed while batch 0 still runs: nothing new starts, and the result waits for batch 0.
    expect(calls).toHaveLength(2);
    expect(settled).toBe(false);
    calls[0]!.done.resolve([0, 1]);
    const error = await result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatchError);
    expect(error).toMatchObject({ code: 'E_OOM', batchIndex: 1, itemIndices: [2, 3], cause });
    expect((error as Error).message).toBe(
      '[mapBatched] batch 1 (items 2, 3) failed: [encode] out of memory: 2 GiB',
    );
    expect(calls).toHaveLength(2);
  });

  it('reports a plain error as E_INTERNAL and a wrong number of results as a failure of that batch', async () => {
    await expect(
      mapBatched([1, 2, 3], { batchSize: 2 }, async (batch) => {
        if (batch.includes(3)) throw new TypeError('boom');
        return batch;
      }),
    ).rejects.toMatchObject({
      code: 'E_INTERNAL',
      batchIndex: 1,
      message: expect.stringMatching(/batch 1 .*boom/),
    });
    await expect(mapBatched([1, 2, 3], { batchSize: 3 }, async () => [1])).rejects.toThrow(
      /batch 0 \(items 0, 1, 2\) failed: expected 3 results, got 1 results/,
    );
  });

  it('resolves to [] for no items without calling runBatch', async () => {
    let called = false;
    const result = await mapBatched([], { batchSize: 4 }, async () => {
      called = true;
      return [];
    });
    expect(result).toEqual([]);
    expect(called).toBe(false);
  });

  it('rejects bad options before running anything', async () => {
    await expect(mapBatched([1], { batchSize: 1, maxInFlight: 0 }, async (b) => b)).rejects.toThrow(
      InvalidArgumentError,
    );
    await expect(
      mapBatched([5], { batchSize: 1, budgetBytes: 4, itemBytes: (x) => x }, async (b) => b),
    ).rejects.toThrow(/item 0 needs 5 bytes/);
  });
});
