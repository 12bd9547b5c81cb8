/**
 * Batch assembly: which items run together, under a limit on items per batch and a memory budget per batch, with
 * optional length ordering and bucketing so that the items of a batch have similar lengths (little padding).
 */

import { InvalidArgumentError } from '@verbatim/core';

export interface BatchLimits<T> {
  /** Most items in one batch (a positive integer). */
  batchSize: number;
  /** Most bytes one batch may need: the sum of itemBytes over a batch never exceeds it (default Infinity). */
  budgetBytes?: number;
  /** Bytes an item needs while its batch runs, a finite number ≥ 0 (default 0 for every item). */
  itemBytes?: (item: T, index: number) => number;
}

export interface BatchPlanOptions<T> extends BatchLimits<T> {
  /**
   * An item's length (samples, frames, tokens…). When given, items are taken longest first (ties in input order), so
   * a batch holds similar lengths and the first batch is the largest: a budget that is too small fails at once.
   */
  length?: (item: T, index: number) => number;
  /**
   * Ascending length edges (needs `length`): items whose lengths fall on different sides of an edge never share a
   * batch. An item of length L is in bucket k when exactly k edges are ≤ L.
   */
  bucketBoundaries?: readonly number[];
}

export interface Batch {
  /** Position of the batch in the plan, from 0. */
  readonly index: number;
  /** Indices of its items in the input, in the order they were taken. */
  readonly itemIndices: readonly number[];
  /** Sum of its items' bytes. */
  readonly bytes: number;
}

/**
 * Splits `items` into batches: items are taken in input order (or by length, see `length`) and a batch is closed when
 * the next item would exceed `batchSize` items or `budgetBytes`, or belongs to another length bucket. Every item is
 * in exactly one batch.
 * @throws InvalidArgumentError for bad limits, a non-finite or negative length or size, or an item that alone
 *   needs more than budgetBytes (naming its index and size).
 */
export function planBatches<T>(items: readonly T[], options: BatchPlanOptions<T>): Batch[] {
  const { batchSize, budgetBytes = Number.POSITIVE_INFINITY, itemBytes, length, bucketBoundaries } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    fail(`batchSize must be a positive integer: ${batchSize}`);
  if (!(budgetBytes > 0)) fail(`budgetBytes must be a number > 0: ${budgetBytes}`);
  if (bucketBoundaries !== undefined) {
    if (length === undefined) fail('bucketBoundaries needs a length function');
    if (
      !bucketBoundaries.every(
        (edge, i) => Number.isFinite(edge) && (i === 0 || edge > bucketBoundaries[i - 1]!),
      )
    ) {
      fail(`bucketBoundaries must be finite and ascending: ${bucketBoundaries.join(', ')}`);
    }
  }

  const bytes = items.map((item, i) => {
    const size = itemBytes === undefined ? 0 : itemBytes(item, i);
    if (!(size >= 0 && Number.isFinite(size)))
      fail(`itemBytes of item ${i} must be a finite number ≥ 0: ${size}`);
    if (size > budgetBytes) fail(`item ${i} needs ${size} bytes, more than budgetBytes ${budgetBytes}`);
    return size;
  });
  const lengths = items.map((item, i) => {
    if (length === undefined) return 0;
    const value = length(item, i);
    if (!Number.isFinite(value)) fail(`length of item ${i} must be a finite number: ${value}`);
    return value;
  });
  const bucket = (i: number) =>
    bucketBoundaries === undefined ? 0 : bucketBoundaries.filter((edge) => edge <= lengths[i]!).length;
  const order = items.map((_, i) => i);
  if (length !== undefined) order.sort((a, b) => bucket(b) - bucket(a) || lengths[b]! - lengths[a]! || a - b);

  const batches: Batch[] = [];
  let current: number[] = [];
  let currentBytes = 0;
  for (const i of order) {
    const full = current.length === batchSize || currentBytes + bytes[i]! > budgetBytes;
    if (current.length > 0 && (full || bucket(current[0]!) !== bucket(i))) {
      batches.push({ index: batches.length, itemIndices: current, bytes: currentBytes });
      current = [];
      currentBytes = 0;
    }
    current.push(i);
    currentBytes += bytes[i]!;
  }
  if (current.length > 0) batches.push({ index: batches.length, itemIndices: current, bytes: currentBytes });
  return batches;
}

function fail(message: string): never {
  throw new InvalidArgumentError(`[planBatches] ${message}`);
}
