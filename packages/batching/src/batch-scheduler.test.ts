import { InvalidArgumentError } from '@verbatim/core';
import { describe, expect, it } from 'vitest';
import { BatchScheduler } from './batch-scheduler.js';

interface Job {
  readonly id: string;
  readonly bytes: number;
}
const job = (id: string, bytes = 1): Job => ({ id, bytes });
const ids = (jobs: Job[]) => jobs.map((j) => j.id);

describe('BatchScheduler', () => {
  it('serves higher priorities first and equal priorities in submission order', () => {
    const scheduler = new BatchScheduler<Job>({ batchSize: 10 });
    scheduler.submit(job('a'));
    scheduler.submit(job('b'), 5);
    scheduler.submit(job('c'));
    scheduler.submit(job('d'), 5);
    scheduler.submit(job('e'), -1);
    scheduler.submit(job('f'), 9);
    expect(ids(scheduler.take())).toEqual(['f', 'b', 'd', 'a', 'c', 'e']);
    expect(scheduler.size).toBe(0);
  });

  it('keeps FIFO order within a priority across many items (heap stability)', () => {
    const scheduler = new BatchScheduler<Job>({ batchSize: 1000 });
    for (let i = 0; i < 300; i++) scheduler.submit(job(`${i % 3}:${i}`), i % 3);
    const out = ids(scheduler.take());
    const expected = [2, 1, 0].flatMap((p) => Array.from({ length: 100 }, (_, k) => `${p}:${3 * k + p}`));
    expect(out).toEqual(expected);
  });

  it('fills a batch up to batchSize, budgetBytes and the caller’s limits, never skipping the head', () => {
    const scheduler = new BatchScheduler<Job>({ batchSize: 3, budgetBytes: 10, itemBytes: (j) => j.bytes });
    for (const [id, bytes] of [
      ['a', 4],
      ['b', 4],
      ['c', 4],
      ['d', 1],
      ['e', 1],
      ['f', 1],
      ['g', 1],
    ] as const) {
      scheduler.submit(job(id, bytes));
    }
    expect(ids(scheduler.take())).toEqual(['a', 'b']); // c (4) would make 12 > 10; d is not taken past it
    expect(ids(scheduler.take({ budgetBytes: 3 }))).toEqual([]); // c does not fit 3 bytes of room
    expect(ids(scheduler.take())).toEqual(['c', 'd', 'e']); // batchSize 3
    expect(ids(scheduler.take({ maxItems: 1 }))).toEqual(['f']);
    expect(ids(scheduler.take())).toEqual(['g']);
    expect(scheduler.take()).toEqual([]);
  });

  it('wakes waiting consumers in call order as items arrive, and ends them with [] on close', async () => {
    const scheduler = new BatchScheduler<Job>({ batchSize: 2 });
    const first = scheduler.next();
    const second = scheduler.next();
    const third = scheduler.next();
    scheduler.submit(job('a'));
    expect(ids(await first)).toEqual(['a']);
    scheduler.submit(job('b'));
    scheduler.submit(job('c'), 1);
    expect(ids(await second)).toEqual(['b']);
    // c arrived after second was served and waits for third.
    expect(ids(await third)).toEqual(['c']);
    scheduler.submit(job('d'));
    scheduler.close();
    expect(ids(await scheduler.next())).toEqual(['d']);
    expect(await scheduler.next()).toEqual([]);
    expect(() => scheduler.submit(job('e'))).toThrow(expect.objectContaining({ code: 'E_DISPOSED' }));
  });

  it('rejects items that can never fit and bad options', () => {
    const scheduler = new BatchScheduler<Job>({ batchSize: 2, budgetBytes: 8, itemBytes: (j) => j.bytes });
    expect(() => scheduler.submit(job('big', 9))).toThrow(/needs 9 bytes/);
    expect(() => scheduler.submit(job('a'), Number.NaN)).toThrow(InvalidArgumentError);
    expect(() => new BatchScheduler({ batchSize: 0 })).toThrow(/batchSize/);
    expect(() => new BatchScheduler({ batchSize: 1, budgetBytes: 0 })).toThrow(/budgetBytes/);
    expect(scheduler.size).toBe(0);
  });
});
