/** The encoder's output for a batch of 30 s windows, held natively until dispose(). */
import { InvalidArgumentError } from '@verbatim/core';
import type { NativeEncoderOutput } from './internal/addon-types.js';
import { disposedError, disposeOwned } from './internal/disposal.js';
import type { ModelContext } from './internal/model-context.js';
import { nativeCall } from './internal/native-error.js';
import type { OwnedResource } from './internal/owned-resources.js';
import { describeValue } from './internal/validate.js';

let nativeOf: (output: EncoderOutput, context: ModelContext, operation: string) => NativeEncoderOutput;

/**
 * [nBatch, nAudioCtx, nAudioState] float32, one row of nAudioCtx positions per window, kept by the engine where the
 * model computes. Made by WhisperModel.encode(); read by WhisperModel.newDecoderSession().
 */
export class EncoderOutput implements AsyncDisposable {
  /** Windows in the batch. */
  readonly nBatch: number;
  /** [nBatch, nAudioCtx, nAudioState]. */
  readonly shape: readonly [number, number, number];
  readonly #native: NativeEncoderOutput;
  readonly #context: ModelContext;
  readonly #ownership: WeakRef<OwnedResource>;
  #disposal: Promise<void> | undefined;

  /** @internal WhisperModel.encode() creates encoder outputs. */
  constructor(native: NativeEncoderOutput, context: ModelContext) {
    this.#native = native;
    this.#context = context;
    this.nBatch = native.nBatch;
    const { nAudioCtx, nAudioState } = context.info.dims;
    this.shape = Object.freeze([this.nBatch, nAudioCtx, nAudioState] as const);
    this.#ownership = context.owned.add(this);
  }

  static {
    nativeOf = (output, context, operation) => {
      if (output.#context !== context) {
        throw new InvalidArgumentError(`[${operation}] the encoder output belongs to another model`);
      }
      if (output.disposed) throw disposedError(operation, 'encoder output');
      return output.#native;
    };
  }

  /** True once dispose() was called (on it or on its model). */
  get disposed(): boolean {
    return this.#disposal !== undefined || this.#context.disposed;
  }

  /** A copy of the whole output, nBatch * nAudioCtx * nAudioState floats, row-major. */
  toFloat32Array(): Promise<Float32Array> {
    if (this.disposed) return Promise.reject(disposedError('toFloat32Array', 'encoder output'));
    return this.#context.queue.run(() => nativeCall(() => this.#native.toFloat32Array()));
  }

  /**
   * Frees the output once the calls queued before have settled. Idempotent: every call returns the same promise.
   * Decoder sessions made from it keep its memory until they are disposed too.
   */
  dispose(): Promise<void> {
    this.#disposal ??= disposeOwned(this.#context, this.#ownership, this.#native);
    return this.#disposal;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}

/**
 * The native output behind `output`, for the model that made it. Throws InvalidArgumentError for another model's
 * output, E_DISPOSED for a disposed one.
 */
export function nativeEncoderOutput(
  output: EncoderOutput,
  context: ModelContext,
  operation: string,
): NativeEncoderOutput {
  if (!(output instanceof EncoderOutput)) {
    throw new InvalidArgumentError(
      `[${operation}] encoderOutput must be an EncoderOutput: got ${describeValue(output)}`,
    );
  }
  return nativeOf(output, context, operation);
}
