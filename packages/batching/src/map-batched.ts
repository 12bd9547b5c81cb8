/**
 * Runs a function over items in batches and returns the results in input order, with backpressure: at most
 * `maxInFlight` batches are running at any time, the next one starting when one settles.
 */

import { InvalidArgumentError } from '@verbatim/core';
import { BatchError } from './batch-error.js';
import { type Batch, type BatchPlanOptions, planBatches } from './batch-plan.js';

export interface MapBatchedOptions<T> extends BatchPlanOptions<T> {
  /** Most batches running at once (a positive integer, default 1). */
  maxInFlight?: number;
}

/** Works on one batch: returns one result per item, in the order of `batchItems`. */
export type RunBatch<T, R> = (batchItems: T[], batch: Batch) => Promise<readonly R[]>;

/**
 * Plans batches with planBatches, runs `runBatch` on each and resolves with `results[i]` for `items[i]`, whatever the
 * order in which batches finish. On the first failure no further batch is started; once the batches already running
 * have settled, the promise rejects with a BatchError naming the failed batch (the first to fail).
 * @throws (rejects with) InvalidArgumentError as planBatches, or for a bad maxInFlight;
 *   BatchError when a batch rejects or returns a number of results other than its number of items.
 */
export async function mapBatched<T, R>(
  items: readonly T[],
  options: MapBatchedOptions<T>,
  runBatch: RunBatch<T, R>,
): Promise<R[]> {
  const maxInFlight = options.maxInFlight ?? 1;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
    throw new InvalidArgumentError(`[mapBatched] maxInFlight must be a positive integer: ${maxInFlight}`);
  }
  const batches = planBatches(items, options);
  const results = new Array<R>(items.length);
  let nextBatch = 0;
  let failure: BatchError | undefined;

  const runOne = async (batch: Batch): Promise<void> => {
    try {
      const output = await runBatch(
        batch.itemIndices.map((i) => items[i]!),
        batch,
      );
      if (!Array.isArray(output) || output.length !== batch.itemIndices.length) {
        const got = Array.isArray(output) ? `${output.length} results` : String(output);
        throw new InvalidArgumentError(`expected ${batch.itemIndices.length} results, got ${got}`);
      }
      batch.itemIndices.forEach((itemIndex, k) => {
        results[itemIndex] = output[k]!;
      });
    } catch (cause) {
      failure ??= new BatchError('mapBatched', batch.index, batch.itemIndices, cause);
    }
  };
  // Each lane runs batches one after another; maxInFlight lanes share the queue.
  const lane = async (): Promise<void> => {
    while (failure === undefined && nextBatch < batches.length) await runOne(batches[nextBatch++]!);
  };
  await Promise.all(Array.from({ length: Math.min(maxInFlight, batches.length) }, lane));
  if (failure !== undefined) throw failure;
  return results;
}
