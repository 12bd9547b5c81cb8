import { type ErrorCode, isVerbatimError, VerbatimError } from '@verbatim/core';

/**
 * A batch's work failed. Names the batch and its items; `cause` is what the batch threw, and `code` is the cause's
 * code when it has one (E_OOM, E_BACKEND, …), E_INTERNAL otherwise.
 */
export class BatchError extends VerbatimError {
  readonly batchIndex: number;
  readonly itemIndices: readonly number[];

  constructor(operation: string, batchIndex: number, itemIndices: readonly number[], cause: unknown) {
    const code: ErrorCode = isVerbatimError(cause) ? cause.code : 'E_INTERNAL';
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(code, `[${operation}] batch ${batchIndex} (items ${itemIndices.join(', ')}) failed: ${reason}`, {
      cause,
    });
    this.batchIndex = batchIndex;
    this.itemIndices = itemIndices;
  }
}
