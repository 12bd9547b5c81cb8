/**
 * Streaming Silero VAD: one speech probability per 512-sample window at 16 kHz, keeping the recurrent state and the
 * 64 samples of context the model reads before each window, exactly as snakers4/silero-vad's OnnxWrapper does.
 *
 * Thread-safety: calls on one instance are serialized (a process() issued before the previous one settled waits for
 * it), so the state always advances window by window in call order.
 */

import { EngineError, InvalidArgumentError } from '@verbatim/core';
import { CONTEXT_SAMPLES, INPUT_SAMPLES, STATE_FLOATS_PER_ROW, WINDOW_SAMPLES } from './constants.js';
import { SileroModel, type SileroModelOptions, type SileroModelSource } from './silero-model.js';

export interface SileroVadOptions extends SileroModelOptions {
  /** A shipped version ('v5', 'v6'), `{ path }`, or an already loaded SileroModel to share. Default 'v6'. */
  model?: SileroModelSource | SileroModel;
}

export class SileroVad {
  readonly model: SileroModel;
  /** Whether dispose() releases the model (it was loaded by create(), not passed in). */
  private readonly ownsModel: boolean;
  /** The next run's input row: context in the first 64 samples, the window after it. Reused between calls. */
  private readonly input = new Float32Array(INPUT_SAMPLES);
  private state: Float32Array = new Float32Array(STATE_FLOATS_PER_ROW);
  private queue: Promise<unknown> = Promise.resolve();
  private disposal: Promise<void> | undefined;

  private constructor(model: SileroModel, ownsModel: boolean) {
    this.model = model;
    this.ownsModel = ownsModel;
  }

  /** Creates a stream in its reset state. Throws as SileroModel.load when it loads the model. */
  static async create(options: SileroVadOptions = {}): Promise<SileroVad> {
    const { model = 'v6', ...modelOptions } = options;
    if (model instanceof SileroModel) return new SileroVad(model, false);
    return new SileroVad(await SileroModel.load(model, modelOptions), true);
  }

  /**
   * Feeds the next 512-sample window (16 kHz; copied at once, so the caller may reuse it) and returns the probability
   * that it holds speech, in [0, 1].
   * @throws InvalidArgumentError when the frame is not 512 samples; EngineError E_DISPOSED after dispose().
   */
  process(frame: Float32Array): Promise<number> {
    if (!(frame instanceof Float32Array) || frame.length !== WINDOW_SAMPLES) {
      const got = frame instanceof Float32Array ? `${frame.length} samples` : String(frame);
      throw new InvalidArgumentError(
        `[SileroVad.process] frame must be a Float32Array of ${WINDOW_SAMPLES} samples: ${got}`,
      );
    }
    this.assertLive('process');
    const window = frame.slice();
    return this.enqueue(async () => {
      this.input.set(window, CONTEXT_SAMPLES);
      const { probabilities, state } = await this.model.run(this.input, this.state, 1);
      this.state = state;
      // The last 64 samples of this window are the next window's context.
      this.input.copyWithin(0, INPUT_SAMPLES - CONTEXT_SAMPLES);
      return probabilities[0]!;
    });
  }

  /** Returns the stream to its initial state (zero state, zero context), after calls already issued complete. */
  reset(): Promise<void> {
    this.assertLive('reset');
    return this.enqueue(async () => {
      this.state = new Float32Array(STATE_FLOATS_PER_ROW);
      this.input.fill(0);
    });
  }

  /** Waits for issued calls, then releases the model if create() loaded it. Idempotent. */
  dispose(): Promise<void> {
    this.disposal ??= this.queue.then(async () => {
      if (this.ownsModel) await this.model.dispose();
    });
    return this.disposal;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work, work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private assertLive(operation: string): void {
    if (this.disposal !== undefined)
      throw new EngineError('E_DISPOSED', `[SileroVad.${operation}] used after dispose()`);
  }
}
