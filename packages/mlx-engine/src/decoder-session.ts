/** The decoder state of a batch of sequences attending to one EncoderOutput. */
import { errorFromCode, InvalidArgumentError, isVerbatimError, type VerbatimError } from '@verbatim/core';
import type { NativeDecoderSession } from './internal/addon-types.js';
import { disposedError, disposeOwned } from './internal/disposal.js';
import type { ModelContext } from './internal/model-context.js';
import { fromNativeError } from './internal/native-error.js';
import type { OwnedResource } from './internal/owned-resources.js';
import { requireBoolean, requireInt32Array, requireInteger } from './internal/validate.js';

export interface AppendOptions {
  /** Return the logits of every new position (teacher forcing) instead of each sequence's last. Default false. */
  readonly all?: boolean;
}

/**
 * One sequence per window of the encoder output it was made from, each with its own self-attention KV cache and
 * length; the cross-attention keys and values are computed once, by the first append(). Calls run one at a time
 * in call order (with everything else on the same model); length() and truncate() answer and check at once as if
 * every call made before had completed.
 *
 * A failed append() leaves the caches in an unknown state: every later call rejects with that failure; dispose
 * the session and start a new one.
 */
export class DecoderSession implements AsyncDisposable {
  /** Sequences in the batch: the encoder output's nBatch. */
  readonly nBatch: number;
  readonly #native: NativeDecoderSession;
  readonly #context: ModelContext;
  readonly #ownership: WeakRef<OwnedResource>;
  /** Each sequence's length once every call made so far has completed. */
  readonly #lengths: number[];
  #failure: VerbatimError | undefined;
  #disposal: Promise<void> | undefined;

  /** @internal WhisperModel.newDecoderSession() creates sessions. */
  constructor(native: NativeDecoderSession, context: ModelContext) {
    this.#native = native;
    this.#context = context;
    this.nBatch = native.nBatch;
    this.#lengths = new Array<number>(this.nBatch).fill(0);
    this.#ownership = context.owned.add(this);
  }

  /** True once dispose() was called (on it or on its model). */
  get disposed(): boolean {
    return this.#disposal !== undefined || this.#context.disposed;
  }

  /**
   * Appends `nNew` tokens to every sequence and resolves with logits: each sequence's last new position
   * (nBatch × nVocab floats, row-major) or, with `all`, every new position (nBatch × nNew × nVocab).
   * @param tokens nBatch rows of nNew token ids, row-major; read in place: do not change it until this settles.
   * @throws InvalidArgumentError at once for a wrong argument, a token outside [0, nVocab) or a sequence that
   *   would exceed nTextCtx; the promise rejects with E_DISPOSED after dispose().
   */
  append(tokens: Int32Array, nNew: number, options: AppendOptions = {}): Promise<Float32Array> {
    const operation = 'append';
    if (this.disposed) return Promise.reject(disposedError(operation, 'decoder session'));
    const { nVocab, nTextCtx } = this.#context.info.dims;
    requireInt32Array(operation, 'tokens', tokens);
    requireInteger(operation, 'nNew', nNew, 1, nTextCtx);
    const all = options.all ?? false;
    requireBoolean(operation, 'options.all', all);
    if (tokens.length !== this.nBatch * nNew) {
      throw new InvalidArgumentError(
        `[${operation}] tokens must hold nBatch × nNew = ${this.nBatch} × ${nNew} = ${this.nBatch * nNew} ids: got ${tokens.length}`,
      );
    }
    const outOfRange = tokens.findIndex((token) => token < 0 || token >= nVocab);
    if (outOfRange >= 0) {
      throw new InvalidArgumentError(
        `[${operation}] tokens[${outOfRange}] must be a token id in [0, ${nVocab}): ${tokens[outOfRange]}`,
      );
    }
    const longest = Math.max(...this.#lengths);
    if (longest + nNew > nTextCtx) {
      throw new InvalidArgumentError(
        `[${operation}] a sequence would exceed nTextCtx = ${nTextCtx} tokens: ${longest} + ${nNew}`,
      );
    }
    for (let index = 0; index < this.nBatch; index++)
      this.#lengths[index] = (this.#lengths[index] ?? 0) + nNew;
    return this.#context.queue.run(() => this.#call(() => this.#native.append(tokens, nNew, all)));
  }

  /**
   * Forgets everything after the first `length` tokens of sequence `index` (beam search, temperature fallback).
   * Checked and counted at once; applied after the calls made before it.
   * @throws InvalidArgumentError unless 0 <= index < nBatch and 0 <= length <= length(index); E_DISPOSED.
   */
  truncate(index: number, length: number): void {
    const operation = 'truncate';
    const current = this.#checkedLength(operation, index);
    requireInteger(operation, 'length', length, 0, current);
    this.#lengths[index] = length;
    this.#context.queue
      .run(() => this.#call(() => this.#native.truncate(index, length)))
      .catch(() => {
        // Kept in #failure: the next call rejects with it.
      });
  }

  /**
   * Tokens in sequence `index`'s cache once every call made so far has completed.
   * @throws InvalidArgumentError unless 0 <= index < nBatch; E_DISPOSED after dispose().
   */
  length(index: number): number {
    return this.#checkedLength('length', index);
  }

  /** Frees the caches once the calls made before have settled. Idempotent: every call returns the same promise. */
  dispose(): Promise<void> {
    this.#disposal ??= disposeOwned(this.#context, this.#ownership, this.#native);
    return this.#disposal;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }

  #checkedLength(operation: string, index: number): number {
    if (this.disposed) throw disposedError(operation, 'decoder session');
    requireInteger(operation, 'index', index, 0, this.nBatch - 1);
    return this.#lengths[index] ?? 0;
  }

  /** Runs a queued native call, unless an earlier one failed; a failure poisons the session. */
  async #call<T>(call: () => Promise<T> | T): Promise<T> {
    if (this.#failure !== undefined) {
      throw errorFromCode(
        this.#failure.code,
        `[DecoderSession] unusable after an earlier failure: ${this.#failure.message}`,
        { cause: this.#failure },
      );
    }
    try {
      return await call();
    } catch (error) {
      const converted = fromNativeError(error);
      if (isVerbatimError(converted)) this.#failure = converted;
      throw converted;
    }
  }
}
