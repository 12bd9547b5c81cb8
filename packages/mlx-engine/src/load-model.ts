/** loadModel(): the entry point of the engine. */

import { InvalidArgumentError } from '@verbatim/core';
import { nativeAddon } from './internal/load-addon.js';
import { nativeCall } from './internal/native-error.js';
import { requireInteger, requireString } from './internal/validate.js';
import { WhisperModel } from './whisper-model.js';

/** More compute threads than any machine this runs on has. */
const MAX_THREADS = 4096;

/** Where the engine computes: a backend, a GPU by index, or the best present (CUDA when usable, else the CPU). */
export type EngineDevice = 'cpu' | 'cuda' | `cuda:${number}` | 'auto';

/** How a GPU holds a model and its batches: everything on the device, or less than half of that (slower steps). */
export const GPU_MEMORY_MODES = ['fast', 'lean'] as const;
export type GpuMemory = (typeof GPU_MEMORY_MODES)[number];

export interface LoadModelOptions {
  /** Compute threads of the model's pool. Default: one per hardware thread (info.threads says how many). */
  readonly threads?: number;
  /**
   * Default "cpu". "cuda" / "cuda:N" fail with E_BACKEND naming what is missing when that GPU cannot be used;
   * "auto" falls back to the CPU and says why in info.backendNote.
   */
  readonly device?: EngineDevice;
  /**
   * On a GPU (ignored on the CPU). Default "fast": every weight, and each batch's cross-attention keys and values,
   * on the device. "lean": the encoder's weights stay in host memory and cross the bus a layer at a time while the
   * one before computes, and the decoder attends to the audio itself instead of keeping keys and values — less than
   * half the device memory (large-v3 at 16 windows: 2.4 GiB instead of 7.0), decoder steps ~1.3× slower.
   */
  readonly gpuMemory?: GpuMemory;
}

/**
 * Loads a Whisper model: a Hugging Face or MLX community model directory, or a whisper.cpp ggml file. Weights are
 * memory-mapped, and read without a copy when stored in the compute dtype. Loading runs off the JavaScript thread.
 * @throws InvalidArgumentError at once for an empty path, a bad `threads`, an unknown `device` or `gpuMemory`.
 * @returns a promise that rejects with ModelLoadError (E_MODEL_LOAD) naming the missing or malformed file or
 *   tensor, or EngineError E_BACKEND when the native addon is missing or cannot be opened.
 */
export function loadModel(path: string, options: LoadModelOptions = {}): Promise<WhisperModel> {
  const operation = 'loadModel';
  requireString(operation, 'path', path);
  if (options.threads !== undefined)
    requireInteger(operation, 'options.threads', options.threads, 1, MAX_THREADS);
  const threads = options.threads ?? 0;
  const device = options.device ?? 'cpu';
  if (typeof device !== 'string' || !/^(cpu|auto|cuda(:\d{1,4})?)$/.test(device)) {
    throw new InvalidArgumentError(
      `[loadModel] options.device must be "cpu", "cuda", "cuda:N" or "auto": got ${JSON.stringify(device)}`,
    );
  }
  const gpuMemory = options.gpuMemory ?? 'fast';
  if (!(GPU_MEMORY_MODES as readonly unknown[]).includes(gpuMemory)) {
    throw new InvalidArgumentError(
      `[loadModel] options.gpuMemory must be "fast" or "lean": got ${JSON.stringify(gpuMemory)}`,
    );
  }
  return nativeCall(
    async () => new WhisperModel(await nativeAddon().loadModel(path, threads, device, gpuMemory), path),
    {
      path,
    },
  );
}
