/**
 * A stand-in for the native addon's Model (internal/addon-types.ts) with tiny dimensions and timer-driven calls,
 * for testing the TypeScript layer without weights: it refuses overlapping calls on one model like the C++ lock
 * does, records the order calls start in, and can fail a chosen call the way the engine reports failures.
 */
import type { ModelSpec } from '@verbatim/core';
import type {
  NativeDecodeOptions,
  NativeDecodeResult,
  NativeDecoderSession,
  NativeEncoderOutput,
  NativeModel,
  NativeModelInfo,
  NativeSpecialTokens,
} from '../internal/addon-types.js';

export const FAKE_DIMS: ModelSpec = {
  nMels: 80,
  nAudioCtx: 3,
  nAudioState: 2,
  nAudioHead: 1,
  nAudioLayer: 1,
  nVocab: 5,
  nTextCtx: 6,
  nTextState: 2,
  nTextHead: 1,
  nTextLayer: 1,
};

/** A multilingual Whisper vocabulary's special tokens (51865 tokens, 99 languages). */
export const FAKE_MULTILINGUAL_TOKENS: NativeSpecialTokens = {
  multilingual: true,
  endOfText: 50257,
  startOfTranscript: 50258,
  firstLanguage: 50259,
  nLanguages: 99,
  translate: 50358,
  transcribe: 50359,
  startOfLm: 50360,
  startOfPrev: 50361,
  noSpeech: 50362,
  noTimestamps: 50363,
  timestampBegin: 50364,
  blank: 220,
};

const MEL_FRAMES = 3000;

function codedError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** State shared by a fake model and everything it hands out, as the C++ ModelHandle is. */
class FakeEngine {
  /** Calls in the order they started. */
  readonly started: string[] = [];
  /** Native objects freed, in order. */
  readonly freed: string[] = [];
  /** The next call named here rejects with this code. */
  failNext: { readonly operation: string; readonly code: string } | undefined;
  #inFlight: string | undefined;

  constructor(readonly delayMs: number) {}

  /** Runs `work` after delayMs as one native call, refusing to overlap another (E_INTERNAL). */
  async call<T>(operation: string, work: () => T): Promise<T> {
    if (this.#inFlight !== undefined) {
      throw codedError('E_INTERNAL', `[${operation}] the model is busy with ${this.#inFlight}`);
    }
    this.#inFlight = operation;
    this.started.push(operation);
    try {
      await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      if (this.failNext?.operation === operation) {
        const { code } = this.failNext;
        this.failNext = undefined;
        throw codedError(code, `[${operation}] injected failure`);
      }
      return work();
    } finally {
      this.#inFlight = undefined;
    }
  }
}

class FakeDecoderSession implements NativeDecoderSession {
  readonly #lengths: number[];

  constructor(
    readonly engine: FakeEngine,
    readonly nBatch: number,
  ) {
    this.#lengths = new Array<number>(nBatch).fill(0);
  }

  append(tokens: Int32Array, nNew: number, all: boolean): Promise<Float32Array> {
    return this.engine.call('append', () => {
      for (let index = 0; index < this.nBatch; index++)
        this.#lengths[index] = (this.#lengths[index] ?? 0) + nNew;
      const logits = new Float32Array(this.nBatch * (all ? nNew : 1) * FAKE_DIMS.nVocab);
      logits[0] = tokens[0] ?? 0;
      return logits;
    });
  }

  truncate(index: number, length: number): void {
    this.engine.started.push('truncate');
    this.#lengths[index] = length;
  }

  length(index: number): number {
    return this.#lengths[index] ?? 0;
  }

  dispose(): Promise<void> {
    return this.engine.call('dispose', () => {
      this.engine.freed.push('session');
    });
  }
}

class FakeEncoderOutput implements NativeEncoderOutput {
  constructor(
    readonly engine: FakeEngine,
    readonly nBatch: number,
  ) {}

  toFloat32Array(): Promise<Float32Array> {
    return this.engine.call(
      'toFloat32Array',
      () => new Float32Array(this.nBatch * FAKE_DIMS.nAudioCtx * FAKE_DIMS.nAudioState),
    );
  }

  dispose(): Promise<void> {
    return this.engine.call('dispose', () => {
      this.engine.freed.push('encoder output');
    });
  }
}

export class FakeNativeModel implements NativeModel {
  readonly engine: FakeEngine;
  /** The options of every decode() call, as the engine received them. */
  readonly decodeCalls: NativeDecodeOptions[] = [];
  readonly #multilingual: boolean;

  /** @param multilingual a 51865-token multilingual vocabulary instead of FAKE_DIMS' 5 tokens. */
  constructor(delayMs = 5, multilingual = false) {
    this.engine = new FakeEngine(delayMs);
    this.#multilingual = multilingual;
  }

  info(): NativeModelInfo {
    return {
      dims: this.#multilingual ? { ...FAKE_DIMS, nVocab: 51865, nTextCtx: 448 } : FAKE_DIMS,
      specialTokens: this.#multilingual ? FAKE_MULTILINGUAL_TOKENS : null,
      format: 'huggingface-safetensors',
      weightDtype: 'f32',
      weightBytes: 1000,
      weightCopyBytes: 0,
      threads: 1,
      backend: 'cpu',
      backendNote: '',
      deviceName: '',
    };
  }

  logMel(): Promise<Float32Array> {
    return this.engine.call('logMel', () => new Float32Array(FAKE_DIMS.nMels * MEL_FRAMES));
  }

  logMelBatch(windows: Float32Array[]): Promise<Float32Array> {
    return this.engine.call(
      'logMelBatch',
      () => new Float32Array(windows.length * FAKE_DIMS.nMels * MEL_FRAMES),
    );
  }

  encode(_mel: Float32Array, nBatch: number): Promise<NativeEncoderOutput> {
    return this.engine.call('encode', () => new FakeEncoderOutput(this.engine, nBatch));
  }

  encodeSamples(windows: Float32Array[]): Promise<NativeEncoderOutput> {
    return this.engine.call('encodeSamples', () => new FakeEncoderOutput(this.engine, windows.length));
  }

  newDecoderSession(encoderOutput: NativeEncoderOutput): NativeDecoderSession {
    return new FakeDecoderSession(this.engine, encoderOutput.nBatch);
  }

  detectLanguage(encoderOutput: NativeEncoderOutput): Promise<Float32Array> {
    return this.engine.call('detectLanguage', () => new Float32Array(encoderOutput.nBatch * 99).fill(1 / 99));
  }

  decode(encoderOutput: NativeEncoderOutput, options: NativeDecodeOptions): Promise<NativeDecodeResult[]> {
    this.decodeCalls.push(options);
    return this.engine.call('decode', () =>
      Array.from({ length: encoderOutput.nBatch }, () => ({
        tokens: new Int32Array(),
        sumLogprob: 0,
        avgLogprob: 0,
        noSpeechProb: 0,
        compressionRatio: Number.NaN,
        temperature: 0,
        languageToken: -1,
        languageProbs: null,
        silent: false,
      })),
    );
  }

  setTokenBytes(): Promise<void> {
    return this.engine.call('setTokenBytes', () => undefined);
  }

  dispose(): Promise<void> {
    return this.engine.call('dispose', () => {
      this.engine.freed.push('model');
    });
  }
}

/** nBatch windows of silence-shaped log-mel for FAKE_DIMS. */
export function fakeMel(nBatch: number): Float32Array {
  return new Float32Array(nBatch * FAKE_DIMS.nMels * MEL_FRAMES);
}
