/**
 * The errors of model resolution and download. Each is a VerbatimError carrying one of core's stable codes (so a
 * `switch (err.code)` over core's codes stays exhaustive) plus a finer `reason` that says which of the model
 * problems it is, for callers such as the CLI that react to each differently.
 */

import { type ErrorCode, VerbatimError, type VerbatimErrorOptions } from '@verbatim/core';

/**
 * What went wrong, finer than core's codes:
 * - `E_UNKNOWN_MODEL`: the name is neither a known alias nor an existing path (the message lists the aliases).
 * - `E_MODEL_NOT_FOUND`: a path (or the demo model's folder) does not exist.
 * - `E_MODEL_LAYOUT`: a path exists but is not a Hugging Face, MLX or whisper.cpp model.
 * - `E_MODEL_NOT_CACHED`: offline, or the Hub unreachable, and the model is not (completely) in the cache.
 * - `E_HUB_UNAUTHORIZED`: the Hub refused the request (401/403): a gated or private repository.
 * - `E_HUB_NOT_FOUND`: the Hub has no such repository, revision or file (404).
 * - `E_DOWNLOAD`: the request failed (network error, server error) after every retry.
 * - `E_INTEGRITY`: a downloaded file does not match the size or hash the Hub announced, even after a fresh fetch.
 */
export const MODEL_ERROR_REASONS = [
  'E_UNKNOWN_MODEL',
  'E_MODEL_NOT_FOUND',
  'E_MODEL_LAYOUT',
  'E_MODEL_NOT_CACHED',
  'E_HUB_UNAUTHORIZED',
  'E_HUB_NOT_FOUND',
  'E_DOWNLOAD',
  'E_INTEGRITY',
] as const;

export type ModelErrorReason = (typeof MODEL_ERROR_REASONS)[number];

/** The core code each reason is reported under. */
const CODE_BY_REASON: Record<ModelErrorReason, ErrorCode> = {
  E_UNKNOWN_MODEL: 'E_INVALID_ARG',
  E_MODEL_NOT_FOUND: 'E_FILE_NOT_FOUND',
  E_MODEL_LAYOUT: 'E_MODEL_LOAD',
  E_MODEL_NOT_CACHED: 'E_FILE_NOT_FOUND',
  E_HUB_UNAUTHORIZED: 'E_FILE_READ',
  E_HUB_NOT_FOUND: 'E_FILE_NOT_FOUND',
  E_DOWNLOAD: 'E_FILE_READ',
  E_INTEGRITY: 'E_FILE_READ',
};

export interface ModelErrorOptions extends VerbatimErrorOptions {
  /** The model as the caller named it (alias or path), when the error concerns one. */
  model?: string;
}

export class ModelResolutionError extends VerbatimError {
  readonly reason: ModelErrorReason;
  /** The model as the caller named it, when known. */
  readonly model: string | undefined;

  constructor(reason: ModelErrorReason, message: string, options: ModelErrorOptions = {}) {
    super(CODE_BY_REASON[reason], message, options);
    this.reason = reason;
    this.model = options.model;
  }
}

export function isModelResolutionError(value: unknown): value is ModelResolutionError {
  return value instanceof ModelResolutionError;
}
