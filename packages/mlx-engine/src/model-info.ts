/** What a loaded model is: its dimensions, where and how its weights were stored, and how it runs. */
import type { ModelSpec } from '@verbatim/core';
import type { NativeModelInfo, NativeSpecialTokens } from './internal/addon-types.js';

/** Where the model's vocabulary keeps its special tokens (its size decides it). */
export type SpecialTokenIds = NativeSpecialTokens;

/** The layout the weights were read from. */
export type ModelFormat = 'huggingface-safetensors' | 'mlx-safetensors' | 'mlx-npz' | 'ggml';
/** Element type of the stored weights (the dominant one when mixed). */
export type WeightDtype = 'f32' | 'f16' | 'bf16';
/** Where the engine computes. */
export type EngineBackend = 'cpu' | 'cuda';

export interface ModelInfo {
  /** The directory or file the model was loaded from, as given. */
  readonly path: string;
  /** The dimensions read from the model's config or header. */
  readonly dims: ModelSpec;
  /** The special token ids; null when nVocab is none of Whisper's vocabularies (then decode() refuses). */
  readonly specialTokens: SpecialTokenIds | null;
  readonly format: ModelFormat;
  readonly weightDtype: WeightDtype;
  /** Bytes of tensor data in the model files (memory-mapped). */
  readonly weightBytes: number;
  /** Bytes the engine holds beyond the mapping: converted or dequantized copies of weights. */
  readonly weightCopyBytes: number;
  /** Compute threads of the model's pool (the resolved `threads` option). */
  readonly threads: number;
  readonly backend: EngineBackend;
  /** Why the backend differs from the device asked for (device "auto" without a usable GPU); "" otherwise. */
  readonly backendNote: string;
  /** The GPU's name on the CUDA backend ("NVIDIA H100 80GB HBM3"); "" on the CPU. */
  readonly deviceName: string;
}

export function modelInfoFromNative(path: string, native: NativeModelInfo): ModelInfo {
  return Object.freeze({
    path,
    dims: Object.freeze({ ...native.dims }),
    specialTokens: native.specialTokens === null ? null : Object.freeze({ ...native.specialTokens }),
    format: native.format as ModelFormat,
    weightDtype: native.weightDtype as WeightDtype,
    weightBytes: native.weightBytes,
    weightCopyBytes: native.weightCopyBytes,
    threads: native.threads,
    backend: native.backend as EngineBackend,
    backendNote: native.backendNote,
    deviceName: native.deviceName,
  });
}
