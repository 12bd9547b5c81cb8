import { InvalidArgumentError } from '@verbatim/core';
import { describe, expect, it } from 'vitest';
import { planBatches } from './batch-plan.js';

const indices = (batches: ReturnType<typeof planBatches>) => batches.map((b) => b.itemIndices);

describe('planBatches', () => {
  it('closes a batch when the next item would exceed batchSize or budgetBytes', () => {
    const sizes = [3, 3, 3, 5, 1, 1, 1, 1];
    const batches = planBatches(sizes, { batchSize: 3, budgetBytes: 6, itemBytes: (size) => size });
    // [0, 1] = 6 (a third 3 would make 9); [2] (+5 = 8); [3, 4] = 6; [5, 6, 7]: three items, the batchSize.
    expect(indices(batches)).toEqual([[0, 1], [2], [3, 4], [5, 6, 7]]);
    expect(batches.map((b) => b.bytes)).toEqual([6, 3, 6, 3]);
    expect(batches.map((b) => b.index)).toEqual([0, 1, 2, 3]);
  });

  it('takes items longest first, ties in input order, when given their length', () => {
    const lengths = [5, 30, 10, 30, 2];
    expect(indices(planBatches(lengths, { batchSize: 2, length: (l) => l }))).toEqual([[1, 3], [2, 0], [4]]);
  });

  it('never mixes length buckets in one batch', () => {
    // Edges 10 and 20: buckets 0 (< 10), 1 (10 … < 20), 2 (≥ 20).
    const lengths = [5, 30, 10, 30, 2, 12];
    const batches = planBatches(lengths, { batchSize: 4, length: (l) => l, bucketBoundaries: [10, 20] });
    expect(indices(batches)).toEqual([
      [1, 3],
      [5, 2],
      [0, 4],
    ]);
  });

  it('keeps every batch within its limits and every item in exactly one batch (400 random items)', () => {
    let seed = 7;
    const random = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    const items = Array.from({ length: 400 }, () => ({
      bytes: Math.floor(random() * 1000),
      length: random() * 30,
    }));
    for (const bucketBoundaries of [undefined, [5, 10, 20]]) {
      const batches = planBatches(items, {
        batchSize: 7,
        budgetBytes: 2500,
        itemBytes: (item) => item.bytes,
        length: (item) => item.length,
        ...(bucketBoundaries !== undefined && { bucketBoundaries }),
      });
      for (const batch of batches) {
        expect(batch.itemIndices.length).toBeLessThanOrEqual(7);
        expect(batch.itemIndices.reduce((sum, i) => sum + items[i]!.bytes, 0)).toBe(batch.bytes);
        expect(batch.bytes).toBeLessThanOrEqual(2500);
      }
      expect(
        batches
          .flatMap((b) => b.itemIndices)
          .slice()
          .sort((a, b) => a - b),
      ).toEqual(items.map((_, i) => i));
    }
  });

  it('returns no batches for no items', () => {
    expect(planBatches([], { batchSize: 4 })).toEqual([]);
  });

  it('rejects an item larger than the budget and bad limits, naming the value', () => {
    expect(() => planBatches([1, 9, 1], { batchSize: 2, budgetBytes: 8, itemBytes: (b) => b })).toThrow(
      /item 1 needs 9 bytes, more than budgetBytes 8/,
    );
    expect(() => planBatches([1], { batchSize: 0 })).toThrow(InvalidArgumentError);
    expect(() => planBatches([1], { batchSize: 1.5 })).toThrow(/batchSize .*: 1\.5/);
    expect(() => planBatches([1], { batchSize: 1, itemBytes: () => Number.NaN })).toThrow(/item 0/);
    expect(() => planBatches([1], { batchSize: 1, length: () => Number.POSITIVE_INFINITY })).toThrow(
      /length/,
    );
    expect(() => planBatches([1], { batchSize: 1, bucketBoundaries: [1] })).toThrow(/needs a length/);
    expect(() => planBatches([1], { batchSize: 1, length: (x) => x, bucketBoundaries: [2, 1] })).toThrow(
      /ascending/,
    );
  });
});
