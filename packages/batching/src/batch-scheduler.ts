/**
 * A queue that hands out batches, for continuous batching across requests: producers submit() items with a
 * priority, and the loop that keeps the engine full asks for as many items as it has room for (next(), take()).
 * Items come out highest priority first, equal priorities first-in first-out. A batch stops at the first item that
 * does not fit: a large item is never passed over by smaller ones behind it, so nothing starves.
 *
 * Not for concurrent use from several threads (JS objects never are); any number of next() calls may wait at once
 * and are served in call order.
 */

import { EngineError, InvalidArgumentError } from '@verbatim/core';
import { PriorityQueue } from './internal/priority-queue.js';

export interface BatchSchedulerOptions<T> {
  /** Most items per batch (a positive integer). */
  batchSize: number;
  /** Most bytes per batch (default Infinity). */
  budgetBytes?: number;
  /** Bytes an item needs while it runs (default 0). */
  itemBytes?: (item: T) => number;
}

/** Room the caller has now: at most the scheduler's own limits. */
export interface TakeLimits {
  maxItems?: number;
  budgetBytes?: number;
}

interface Waiter<T> {
  readonly limits: TakeLimits;
  readonly resolve: (batch: T[]) => void;
}

export class BatchScheduler<T> {
  private readonly batchSize: number;
  private readonly budgetBytes: number;
  private readonly itemBytes: (item: T) => number;
  private readonly queue = new PriorityQueue<{ item: T; bytes: number }>();
  private readonly waiters: Waiter<T>[] = [];
  private closed = false;

  /** Throws InvalidArgumentError for a bad batchSize or budgetBytes. */
  constructor(options: BatchSchedulerOptions<T>) {
    const { batchSize, budgetBytes = Number.POSITIVE_INFINITY, itemBytes = () => 0 } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new InvalidArgumentError(`[BatchScheduler] batchSize must be a positive integer: ${batchSize}`);
    }
    if (!(budgetBytes > 0))
      throw new InvalidArgumentError(`[BatchScheduler] budgetBytes must be > 0: ${budgetBytes}`);
    this.batchSize = batchSize;
    this.budgetBytes = budgetBytes;
    this.itemBytes = itemBytes;
  }

  /** Items waiting. */
  get size(): number {
    return this.queue.size;
  }

  /**
   * Queues an item; a higher `priority` is served first (default 0).
   * @throws InvalidArgumentError when the priority is not finite, or the item alone needs more than budgetBytes;
   *   EngineError E_DISPOSED after close().
   */
  submit(item: T, priority = 0): void {
    if (this.closed) throw new EngineError('E_DISPOSED', '[BatchScheduler.submit] the scheduler is closed');
    if (!Number.isFinite(priority)) {
      throw new InvalidArgumentError(`[BatchScheduler.submit] priority must be a finite number: ${priority}`);
    }
    const bytes = this.itemBytes(item);
    if (!(bytes >= 0 && bytes <= this.budgetBytes)) {
      throw new InvalidArgumentError(
        `[BatchScheduler.submit] item needs ${bytes} bytes; must be ≥ 0 and at most budgetBytes ${this.budgetBytes}`,
      );
    }
    this.queue.push({ item, bytes }, priority);
    this.serveWaiters();
  }

  /**
   * Removes and returns the next batch now: items in priority order while they fit within batchSize and budgetBytes
   * and the caller's `limits`. Empty when nothing is queued or the first item does not fit the limits.
   */
  take(limits: TakeLimits = {}): T[] {
    const maxItems = Math.min(this.batchSize, limits.maxItems ?? Number.POSITIVE_INFINITY);
    const budget = Math.min(this.budgetBytes, limits.budgetBytes ?? Number.POSITIVE_INFINITY);
    const batch: T[] = [];
    let bytes = 0;
    for (let head = this.queue.peek(); head !== undefined; head = this.queue.peek()) {
      if (batch.length >= maxItems || bytes + head.bytes > budget) break;
      this.queue.pop();
      batch.push(head.item);
      bytes += head.bytes;
    }
    return batch;
  }

  /**
   * Waits until an item is queued, then takes a batch as take(limits) does (empty if the first item does not fit
   * the limits). Resolves with an empty batch once the scheduler is closed and drained.
   */
  next(limits: TakeLimits = {}): Promise<T[]> {
    return new Promise((resolve) => {
      this.waiters.push({ limits, resolve });
      this.serveWaiters();
    });
  }

  /** Accepts no more items. Queued items can still be taken; waiting next() calls end with [] once none is left. */
  close(): void {
    this.closed = true;
    this.serveWaiters();
  }

  private serveWaiters(): void {
    while (this.waiters.length > 0 && (this.queue.size > 0 || this.closed)) {
      const waiter = this.waiters.shift()!;
      waiter.resolve(this.take(waiter.limits));
    }
  }
}
