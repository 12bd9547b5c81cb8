/** A loaded Whisper model: log-mel, encoder, decoder sessions, run by the native engine off the JavaScript thread. */
import { InvalidArgumentError, N_FRAMES_PER_CHUNK } from '@verbatim/core';
import {
  type DecodeOptions,
  type DecodeResult,
  decodeResultFromNative,
  resolveDecodeOptions,
} from './decode-options.js';
import { DecoderSession } from './decoder-session.js';
import { EncoderOutput, nativeEncoderOutput } from './encoder-output.js';
import type { NativeModel } from './internal/addon-types.js';
import { disposedError } from './internal/disposal.js';
import { ModelContext } from './internal/model-context.js';
import { fromNativeError, nativeCall } from './internal/native-error.js';
import { describeValue, requireFloat32Array, requireInteger } from './internal/validate.js';
import { type ModelInfo, modelInfoFromNative } from './model-info.js';

/** Windows in one logMelBatch() or encodeSamples() call at most (encode() takes as many). */
const MAX_BATCH_WINDOWS = 65536;

/**
 * `windows` as an array of 1 to MAX_BATCH_WINDOWS Float32Arrays, copied (so that the caller may change the array,
 * not the windows, before the call runs).
 * @throws InvalidArgumentError naming the bad value.
 */
function requireWindows(operation: string, windows: readonly Float32Array[]): Float32Array[] {
  if (!Array.isArray(windows) || windows.length < 1 || windows.length > MAX_BATCH_WINDOWS) {
    throw new InvalidArgumentError(
      `[${operation}] windows must be an array of 1 to ${MAX_BATCH_WINDOWS} Float32Arrays: got ${describeValue(windows)}`,
    );
  }
  for (const [i, window] of windows.entries()) requireFloat32Array(operation, `windows[${i}]`, window);
  return [...windows];
}

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
  #hasTokenBytes = false;

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
   * logMel() of a batch of windows in one call, bit-identical to logMel() of each, on the threads the model was
   * loaded with (the host's, also with a GPU): resolves with windows.length × nMels × 3000 floats, what encode()
   * takes for the batch. One call instead of one per window, its windows computed side by side.
   * @throws InvalidArgumentError at once unless `windows` is an array of 1 to 65536 Float32Arrays.
   */
  logMelBatch(windows: readonly Float32Array[]): Promise<Float32Array> {
    const operation = 'logMelBatch';
    if (this.disposed) return Promise.reject(disposedError(operation, 'model'));
    const copy = requireWindows(operation, windows);
    return this.#context.queue.run(() => nativeCall(() => this.#native.logMelBatch(copy)));
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
   * encode(await logMelBatch(windows), windows.length) in one call, the log-mel computed where the encoder runs: on
   * a GPU the windows' samples go up and their log-mel never comes back to JavaScript (within 1e-4 of the host's);
   * on the CPU the result is bit-identical to the two calls.
   * @throws InvalidArgumentError at once unless `windows` is an array of 1 to 65536 Float32Arrays.
   */
  encodeSamples(windows: readonly Float32Array[]): Promise<EncoderOutput> {
    const operation = 'encodeSamples';
    if (this.disposed) return Promise.reject(disposedError(operation, 'model'));
    const copy = requireWindows(operation, windows);
    return this.#context.queue.run(
      async () => new EncoderOutput(await nativeCall(() => this.#native.encodeSamples(copy)), this.#context),
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
   * Decodes every window of `encoderOutput` natively, the whole batch at once: language detection where no
   * language is given, the start sequence, the logit and timestamp rules, greedy / beam search / sampling, and the
   * temperature fallback per window. Resolves with one result per window.
   * @throws InvalidArgumentError at once naming the offending option (see DecodeOptions); E_DISPOSED.
   */
  decode(encoderOutput: EncoderOutput, options: DecodeOptions = {}): Promise<DecodeResult[]> {
    const operation = 'decode';
    if (this.disposed) return Promise.reject(disposedError(operation, 'model'));
    const output = nativeEncoderOutput(encoderOutput, this.#context, operation);
    const resolved = resolveDecodeOptions(
      operation,
      options,
      this.info,
      encoderOutput.nBatch,
      this.#hasTokenBytes,
    );
    return this.#context.queue.run(async () =>
      (await nativeCall(() => this.#native.decode(output, resolved))).map(decodeResultFromNative),
    );
  }

  /**
   * The probability of each language token after `<|startoftranscript|>` for every window: nBatch rows of
   * specialTokens.nLanguages values (what a vote across windows builds on).
   * @throws InvalidArgumentError at once for an English-only model.
   */
  detectLanguage(encoderOutput: EncoderOutput): Promise<Float32Array[]> {
    const operation = 'detectLanguage';
    if (this.disposed) return Promise.reject(disposedError(operation, 'model'));
    const output = nativeEncoderOutput(encoderOutput, this.#context, operation);
    const special = this.info.specialTokens;
    if (special === null || !special.multilingual)
      throw new InvalidArgumentError(`[${operation}] the model is not multilingual: no language to detect`);
    return this.#context.queue.run(async () => {
      const all = await nativeCall(() => this.#native.detectLanguage(output));
      return Array.from({ length: encoderOutput.nBatch }, (_, w) =>
        all.slice(w * special.nLanguages, (w + 1) * special.nLanguages),
      );
    });
  }

  /**
   * Every token's raw bytes, for the compression ratio of decoded text: token i is bytes[offsets[i], offsets[i + 1])
   * (special tokens as their text; timestamps may be empty). Copied by the engine.
   * @throws InvalidArgumentError at once unless offsets holds nVocab + 1 non-decreasing values from 0 to bytes.length.
   */
  setTokenBytes(bytes: Uint8Array, offsets: Uint32Array): Promise<void> {
    const operation = 'setTokenBytes';
    if (this.disposed) return Promise.reject(disposedError(operation, 'model'));
    if (!(bytes instanceof Uint8Array)) this.#fail(operation, 'bytes', 'a Uint8Array', bytes);
    const { nVocab } = this.info.dims;
    if (!(offsets instanceof Uint32Array) || offsets.length !== nVocab + 1)
      this.#fail(operation, 'offsets', `a Uint32Array of nVocab + 1 = ${nVocab + 1} offsets`, offsets);
    const bad = offsets.findIndex(
      (offset, i) => offset > bytes.length || (i === 0 ? offset !== 0 : offset < offsets[i - 1]!),
    );
    if (bad >= 0 || offsets[nVocab] !== bytes.length) {
      const index = bad >= 0 ? bad : nVocab;
      this.#fail(
        operation,
        `offsets[${index}]`,
        `non-decreasing from 0 to bytes.length = ${bytes.length}`,
        offsets[index],
      );
    }
    this.#hasTokenBytes = true;
    return this.#context.queue.run(() => nativeCall(() => this.#native.setTokenBytes(bytes, offsets)));
  }

  #fail(operation: string, name: string, expected: string, value: unknown): never {
    throw new InvalidArgumentError(`[${operation}] ${name} must be ${expected}: got ${describeValue(value)}`);
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
