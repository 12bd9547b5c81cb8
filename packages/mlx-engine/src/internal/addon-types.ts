/**
 * The whole surface of the native addon (build/Release/verbatim.node, native/binding/), typed in one place. Every
 * method documents whether it is [sync] or [async]; failures are Error objects with a `code` (E_INVALID_ARG,
 * E_MODEL_LOAD, E_OOM, E_DISPOSED, E_BACKEND, E_INTERNAL) that internal/native-error.ts maps to @verbatim/core's
 * classes. Only one call may be in flight per model (the classes above queue them); a second one throws
 * E_INTERNAL. Inputs are read in place and must not change until the call settles.
 */
import type { ModelSpec } from '@verbatim/core';

export interface NativeModelInfo {
  /** The dimensions the engine read from the model (nMels is 80 or 128). */
  readonly dims: ModelSpec;
  /** verbatim::ModelFormatName: "huggingface-safetensors", "mlx-safetensors", "mlx-npz", "ggml". */
  readonly format: string;
  /** verbatim::DTypeName: "f32", "f16", "bf16". */
  readonly weightDtype: string;
  readonly weightBytes: number;
  readonly weightCopyBytes: number;
  readonly threads: number;
  /** "cpu" (later "cuda"). */
  readonly backend: string;
}

export interface NativeAddon {
  /** [async] Loads a model directory or ggml file; `threads` 0 = one per hardware thread. */
  loadModel(path: string, threads: number): Promise<NativeModel>;
}

export interface NativeModel {
  /** [sync] */
  info(): NativeModelInfo;
  /** [async] One 30 s window's log-mel, nMels * 3000 floats, mel-major. */
  logMel(samples: Float32Array): Promise<Float32Array>;
  /** [async] `mel`: nBatch * nMels * 3000 floats. */
  encode(mel: Float32Array, nBatch: number): Promise<NativeEncoderOutput>;
  /** [sync] The session computes its cross-attention in its first append(). */
  newDecoderSession(encoderOutput: NativeEncoderOutput): NativeDecoderSession;
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
