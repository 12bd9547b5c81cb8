/** A loaded Whisper model: log-mel, encoder, decoder sessions, run by the native engine off the JavaScript thread. */
import { N_FRAMES_PER_CHUNK } from '@verbatim/core';
import { DecoderSession } from './decoder-session.js';
import { EncoderOutput, nativeEncoderOutput } from './encoder-output.js';
import type { NativeModel } from './internal/addon-types.js';
import { disposedError } from './internal/disposal.js';
import { ModelContext } from './internal/model-context.js';
import { fromNativeError, nativeCall } from './internal/native-error.js';
import { requireFloat32Array, requireInteger } from './internal/validate.js';
import { type ModelInfo, modelInfoFromNative } from './model-info.js';

/**
 * Made by loadModel(). Every method checks its arguments at once (throwing InvalidArgumentError) and returns a
 * promise; the work runs on worker threads, one call at a time per model (with its encoder outputs and decoder
 * sessions), in call order. Inputs are read in place: do not change an input array until its call settles.
 */
export class WhisperModel implements AsyncDisposable {
  readonly info: ModelInfo;
  readonly #native: NativeModel;
  readonly #context: ModelContext;
  #disposal: Promise<void> | undefined;

  /** @internal loadModel() creates models. */
  constructor(native: NativeModel, path: string) {
    this.#native = native;
    this.info = modelInfoFromNative(path, native.info());
    this.#context = new ModelContext(this.info);
  }

  /** True once dispose() was called. */
  get disposed(): boolean {
    return this.#context.disposed;
  }

  /**
   * Whisper's log-mel spectrogram of one 30 s window: `samples` (mono, 16 kHz) zero-padded or trimmed to 480000.
   * Resolves with nMels × 3000 floats, mel-major: what encode() takes.
   */
  logMel(samples: Float32Array): Promise<Float32Array> {
    const operation = 'logMel';
    if (this.disposed) return Promise.reject(disposedError(operation, 'model'));
    requireFloat32Array(operation, 'samples', samples);
    return this.#context.queue.run(() => nativeCall(() => this.#native.logMel(samples)));
  }

  /**
   * Runs the encoder on `batch` windows of log-mel, [batch][nMels][3000] row-major.
   * @throws InvalidArgumentError at once unless batch >= 1 and mel holds batch × nMels × 3000 floats.
   */
  encode(mel: Float32Array, batch: number): Promise<EncoderOutput> {
    const operation = 'encode';
    if (this.disposed) return Promise.reject(disposedError(operation, 'model'));
    requireInteger(operation, 'batch', batch, 1);
    const { nMels } = this.info.dims;
    requireFloat32Array(operation, 'mel', mel, {
      value: batch * nMels * N_FRAMES_PER_CHUNK,
      what: `batch × nMels × ${N_FRAMES_PER_CHUNK} = ${batch} × ${nMels} × ${N_FRAMES_PER_CHUNK}`,
    });
    return this.#context.queue.run(
      async () => new EncoderOutput(await nativeCall(() => this.#native.encode(mel, batch)), this.#context),
    );
  }

  /**
   * A decoder session with one sequence per window of `encoderOutput` (which it keeps alive). Cheap: the
   * cross-attention keys and values are computed by the session's first append().
   * @throws InvalidArgumentError for another model's output; E_DISPOSED when the model or the output was disposed.
   */
  newDecoderSession(encoderOutput: EncoderOutput): DecoderSession {
    const operation = 'newDecoderSession';
    if (this.disposed) throw disposedError(operation, 'model');
    const output = nativeEncoderOutput(encoderOutput, this.#context, operation);
    try {
      return new DecoderSession(this.#native.newDecoderSession(output), this.#context);
    } catch (error) {
      throw fromNativeError(error);
    }
  }

  /**
   * Frees the model: waits for the calls already made, disposes the encoder outputs and decoder sessions it
   * handed out, then frees the weights off the JavaScript thread. Idempotent: every call returns the same promise.
   * Any later call on the model, its outputs or its sessions rejects (or throws) E_DISPOSED.
   */
  dispose(): Promise<void> {
    this.#disposal ??= this.#dispose();
    return this.#disposal;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }

  async #dispose(): Promise<void> {
    this.#context.disposed = true;
    // Calls made before dispose() finish first; an encode among them may still hand out an output.
    await this.#context.queue.drained();
    const owned = await Promise.allSettled(this.#context.owned.alive().map((resource) => resource.dispose()));
    await this.#context.queue.run(() => nativeCall(() => this.#native.dispose()));
    const failed = owned.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }
}
