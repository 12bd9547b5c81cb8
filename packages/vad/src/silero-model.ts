/**
 * A loaded Silero VAD model (v5 or v6, shipped in assets/, or any ONNX file with the same inputs and outputs) on
 * onnxruntime-node's CPU provider. Stateless: streams keep their own recurrent state and context (SileroVad,
 * speechProbabilities), so one model serves any number of them.
 *
 * Thread-safety: onnxruntime-node runs a session synchronously on the JS thread (each run() is deferred with
 * setImmediate), so runs never overlap and the event loop turns between them.
 */

import { fileURLToPath } from 'node:url';
import { EngineError, InvalidArgumentError, ModelLoadError } from '@verbatim/core';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { INPUT_SAMPLES, STATE_FLOATS_PER_ROW, STATE_WIDTH, VAD_SAMPLE_RATE_HZ } from './constants.js';

/** The Silero versions shipped with the package: v5 is Silero VAD v5.1.2, v6 is v6.2. */
export const SILERO_VERSIONS = ['v5', 'v6'] as const;
export type SileroVersion = (typeof SILERO_VERSIONS)[number];

/** A shipped version, or `{ path }` of another ONNX export with the inputs input/state/sr and outputs output/stateN. */
export type SileroModelSource = SileroVersion | { readonly path: string };

export interface SileroModelOptions {
  /** Threads onnxruntime may use inside one run (default 1: windows are tiny, batching pays more than threads). */
  intraOpThreads?: number;
}

/**
 * The assets, resolved from this module's own location: src/ in the repository and dist/ once built both sit one
 * level below the package root, where assets/ is.
 */
const ASSET_PATHS: Record<SileroVersion, string> = {
  v5: fileURLToPath(new URL('../assets/silero_vad_v5.onnx', import.meta.url)),
  v6: fileURLToPath(new URL('../assets/silero_vad_v6.onnx', import.meta.url)),
};

const INPUT_NAMES = ['input', 'state', 'sr'] as const;
const OUTPUT_NAMES = ['output', 'stateN'] as const;

/** The path of a shipped model file. Throws InvalidArgumentError for an unknown version. */
export function sileroModelPath(version: SileroVersion): string {
  if (!(SILERO_VERSIONS as readonly string[]).includes(version)) {
    throw new InvalidArgumentError(
      `[sileroModelPath] version must be one of ${SILERO_VERSIONS.join(', ')}: ${String(version)}`,
    );
  }
  return ASSET_PATHS[version];
}

/** Speech probabilities and next states of one model run over `rows` streams. */
export interface SileroRunResult {
  /** One probability per row. */
  readonly probabilities: Float32Array;
  /** [2, rows, 128], the layout run() takes back. */
  readonly state: Float32Array;
}

export class SileroModel {
  /** The file the session was loaded from. */
  readonly path: string;
  private session: InferenceSession | undefined;
  private readonly sampleRate = new Tensor('int64', BigInt64Array.of(BigInt(VAD_SAMPLE_RATE_HZ)), []);

  private constructor(path: string, session: InferenceSession) {
    this.path = path;
    this.session = session;
  }

  /**
   * Loads a model. Default: the shipped v6.
   * @throws InvalidArgumentError for an unknown version or a bad thread count; ModelLoadError (naming the path) when
   *   the file is missing, not ONNX, or lacks Silero's inputs and outputs.
   */
  static async load(
    source: SileroModelSource = 'v6',
    options: SileroModelOptions = {},
  ): Promise<SileroModel> {
    const path = typeof source === 'string' ? sileroModelPath(source) : source?.path;
    if (typeof path !== 'string' || path.length === 0) {
      throw new InvalidArgumentError(
        `[SileroModel.load] source must be a version or { path }: ${String(source)}`,
      );
    }
    const intraOpThreads = options.intraOpThreads ?? 1;
    if (!Number.isInteger(intraOpThreads) || intraOpThreads < 1) {
      throw new InvalidArgumentError(
        `[SileroModel.load] intraOpThreads must be a positive integer: ${intraOpThreads}`,
      );
    }
    let session: InferenceSession;
    try {
      session = await InferenceSession.create(path, {
        intraOpNumThreads: intraOpThreads,
        interOpNumThreads: 1,
        executionProviders: ['cpu'],
      });
    } catch (cause) {
      throw new ModelLoadError(`[SileroModel.load] cannot load the ONNX model: ${path}`, { path, cause });
    }
    const missing = [
      ...INPUT_NAMES.filter((name) => !session.inputNames.includes(name)),
      ...OUTPUT_NAMES.filter((name) => !session.outputNames.includes(name)),
    ];
    if (missing.length > 0) {
      await session.release();
      throw new ModelLoadError(
        `[SileroModel.load] not a Silero v5/v6 model (missing ${missing.join(', ')}): ${path}`,
        { path },
      );
    }
    return new SileroModel(path, session);
  }

  /**
   * Runs the model once over `rows` independent streams.
   * @param input [rows, 576]: each row is 64 samples of context followed by a 512-sample window. Read in place.
   * @param state [2, rows, 128]: each stream's recurrent state (zeros for a fresh stream). Read in place.
   * @throws EngineError E_DISPOSED after dispose(); InvalidArgumentError when the sizes disagree; EngineError
   *   E_BACKEND when onnxruntime fails.
   */
  async run(input: Float32Array, state: Float32Array, rows: number): Promise<SileroRunResult> {
    const session = this.session;
    if (session === undefined)
      throw new EngineError('E_DISPOSED', `[SileroModel.run] used after dispose(): ${this.path}`);
    if (!Number.isInteger(rows) || rows < 1 || input.length !== rows * INPUT_SAMPLES) {
      throw new InvalidArgumentError(
        `[SileroModel.run] input must hold rows × ${INPUT_SAMPLES} samples: ${input.length} for ${rows} rows`,
      );
    }
    if (state.length !== rows * STATE_FLOATS_PER_ROW) {
      throw new InvalidArgumentError(
        `[SileroModel.run] state must hold rows × ${STATE_FLOATS_PER_ROW} floats: ${state.length} for ${rows} rows`,
      );
    }
    let outputs: InferenceSession.OnnxValueMapType;
    try {
      outputs = await session.run({
        input: new Tensor('float32', input, [rows, INPUT_SAMPLES]),
        state: new Tensor('float32', state, [2, rows, STATE_WIDTH]),
        sr: this.sampleRate,
      });
    } catch (cause) {
      throw new EngineError('E_BACKEND', `[SileroModel.run] onnxruntime failed: ${String(cause)}`, {
        path: this.path,
        cause,
      });
    }
    return {
      probabilities: outputs.output!.data as Float32Array,
      state: outputs.stateN!.data as Float32Array,
    };
  }

  /** Releases the session. Idempotent; later run() calls throw E_DISPOSED. */
  async dispose(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    await session?.release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}
