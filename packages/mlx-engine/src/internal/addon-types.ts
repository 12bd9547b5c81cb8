/**
 * The whole surface of the native addon (build/Release/verbatim.node, native/binding/), typed in one place. Every
 * method documents whether it is [sync] or [async]; failures are Error objects with a `code` (E_INVALID_ARG,
 * E_MODEL_LOAD, E_OOM, E_DISPOSED, E_BACKEND, E_INTERNAL) that internal/native-error.ts maps to @verbatim/core's
 * classes. Only one call may be in flight per model (the classes above queue them); a second one throws
 * E_INTERNAL. Inputs are read in place and must not change until the call settles.
 */
import type { ModelSpec } from '@verbatim/core';

/** verbatim::SpecialTokens: where the vocabulary's special tokens are. */
export interface NativeSpecialTokens {
  readonly multilingual: boolean;
  readonly endOfText: number;
  readonly startOfTranscript: number;
  /** Languages are [firstLanguage, firstLanguage + nLanguages). */
  readonly firstLanguage: number;
  readonly nLanguages: number;
  readonly translate: number;
  readonly transcribe: number;
  readonly startOfLm: number;
  readonly startOfPrev: number;
  readonly noSpeech: number;
  readonly noTimestamps: number;
  readonly timestampBegin: number;
  /** " ", suppressed at the first position with suppressBlank. */
  readonly blank: number;
}

/** One window's start, as token ids (native/binding/decode_options.h). */
export interface NativeDecodeWindow {
  /** -1: detect (multilingual) or none (English-only). */
  readonly languageToken: number;
  readonly previousTokens: readonly number[];
  readonly hotwordTokens: readonly number[];
  readonly prefixTokens: readonly number[];
}

/** verbatim::DecodeParams with every field present; null = unset. */
export interface NativeDecodeOptions {
  readonly task: 'transcribe' | 'translate';
  readonly timestamps: boolean;
  readonly windows: readonly NativeDecodeWindow[];
  readonly maxNewTokens: number;
  readonly temperatures: readonly number[];
  readonly beamSize: number;
  readonly patience: number;
  readonly lengthPenalty: number | null;
  readonly bestOf: number;
  readonly seed: number;
  readonly suppressBlank: boolean;
  readonly suppressTokens: readonly number[];
  readonly maxInitialTimestamp: number | null;
  readonly compressionRatioThreshold: number | null;
  readonly logprobThreshold: number | null;
  readonly noSpeechThreshold: number | null;
}

/** verbatim::DecodeResult. */
export interface NativeDecodeResult {
  readonly tokens: Int32Array;
  readonly sumLogprob: number;
  readonly avgLogprob: number;
  readonly noSpeechProb: number;
  readonly compressionRatio: number;
  readonly temperature: number;
  readonly languageToken: number;
  readonly languageProbs: Float32Array | null;
  readonly silent: boolean;
}

export interface NativeModelInfo {
  /** The dimensions the engine read from the model (nMels is 80 or 128). */
  readonly dims: ModelSpec;
  /** null when nVocab is none of Whisper's vocabularies. */
  readonly specialTokens: NativeSpecialTokens | null;
  /** verbatim::ModelFormatName: "huggingface-safetensors", "mlx-safetensors", "mlx-npz", "ggml". */
  readonly format: string;
  /** verbatim::DTypeName: "f32", "f16", "bf16". */
  readonly weightDtype: string;
  readonly weightBytes: number;
  readonly weightCopyBytes: number;
  readonly threads: number;
  /** "cpu" or "cuda". */
  readonly backend: string;
  /** Why the backend differs from the device asked for; "" otherwise. */
  readonly backendNote: string;
  /** The GPU's name on the CUDA backend; "" on the CPU. */
  readonly deviceName: string;
}

export interface NativeAddon {
  /**
   * [async] Loads a model directory or ggml file; `threads` 0 = one per hardware thread; `device` "cpu", "cuda",
   * "cuda:N" or "auto".
   */
  loadModel(path: string, threads: number, device: string, gpuMemory?: string): Promise<NativeModel>;
}

export interface NativeModel {
  /** [sync] */
  info(): NativeModelInfo;
  /** [async] One 30 s window's log-mel, nMels * 3000 floats, mel-major. */
  logMel(samples: Float32Array): Promise<Float32Array>;
  /** [async] logMel() of 1 to 65536 windows in one call: nBatch * nMels * 3000 floats. */
  logMelBatch(windows: Float32Array[]): Promise<Float32Array>;
  /** [async] `mel`: nBatch * nMels * 3000 floats. */
  encode(mel: Float32Array, nBatch: number): Promise<NativeEncoderOutput>;
  /** [async] encode(logMelBatch(windows)) in one call, the log-mel computed where the encoder runs. */
  encodeSamples(windows: Float32Array[]): Promise<NativeEncoderOutput>;
  /** [sync] The session computes its cross-attention in its first append(). */
  newDecoderSession(encoderOutput: NativeEncoderOutput): NativeDecoderSession;
  /** [async] nBatch * nLanguages language probabilities. */
  detectLanguage(encoderOutput: NativeEncoderOutput): Promise<Float32Array>;
  /** [async] Decodes every window natively; one result per window. */
  decode(encoderOutput: NativeEncoderOutput, options: NativeDecodeOptions): Promise<NativeDecodeResult[]>;
  /** [async] Every token's raw bytes: token i is bytes[offsets[i], offsets[i + 1]), nVocab + 1 offsets. */
  setTokenBytes(bytes: Uint8Array, offsets: Uint32Array): Promise<void>;
  /** [async] Idempotent; the native model lives on while its encoder outputs and sessions do. */
  dispose(): Promise<void>;
}

export interface NativeEncoderOutput {
  readonly nBatch: number;
  /** [async] nBatch * nAudioCtx * nAudioState floats. */
  toFloat32Array(): Promise<Float32Array>;
  /** [async] Idempotent; sessions made from this output keep it alive. */
  dispose(): Promise<void>;
}

export interface NativeDecoderSession {
  readonly nBatch: number;
  /**
   * [async] Appends nNew tokens to every sequence (`tokens`: nBatch rows of nNew). Resolves with the logits of each
   * sequence's last new token (nBatch * nVocab floats) or, with `all`, of every new position
   * (nBatch * nNew * nVocab floats).
   */
  append(tokens: Int32Array, nNew: number, all: boolean): Promise<Float32Array>;
  /** [sync] Keeps sequence `index`'s first `length` tokens. */
  truncate(index: number, length: number): void;
  /** [sync] Tokens in sequence `index`'s cache. */
  length(index: number): number;
  /** [async] Idempotent. */
  dispose(): Promise<void>;
}
