/** One entry point for every layout: validates options and writes a model folder. */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '@verbatim/core';
import type { Dtype } from '../float-encoding.js';
import { MAX_SEED } from '../seeded-generator.js';
import { architectureSpec } from '../whisper-tensors.js';
import { writeGgmlLayout } from './ggml.js';
import { writeHfLayout } from './hf.js';
import { writeMlxLayout } from './mlx.js';

export const LAYOUTS = ['hf', 'hf-sharded', 'mlx-safetensors', 'mlx-npz', 'ggml-f32', 'ggml-f16'] as const;
export type Layout = (typeof LAYOUTS)[number];
/** hf-sharded's shard size when none is given: 100 MB. */
export const DEFAULT_MAX_SHARD_BYTES = 100_000_000;

export function isLayout(value: string): value is Layout {
  return (LAYOUTS as readonly string[]).includes(value);
}

export interface WriteLayoutOptions {
  readonly layout: Layout;
  readonly architecture: string;
  /** Unsigned 32-bit seed. */
  readonly seed: number;
  /** Tensor dtype of hf and mlx layouts (default f32); ggml layouts name theirs. */
  readonly dtype?: Dtype;
  /** hf: shard when set; hf-sharded: default DEFAULT_MAX_SHARD_BYTES. */
  readonly maxShardBytes?: number;
  /** shared/assets (default: defaultAssetsDir()). */
  readonly assetsDir?: string;
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../..');

/** $VERBATIM_SHARED/assets, else shared/assets beside the checkout (../shared) or inside it. Throws when absent. */
export function defaultAssetsDir(): string {
  const fromEnvironment = process.env.VERBATIM_SHARED;
  if (fromEnvironment !== undefined) return join(fromEnvironment, 'assets');
  const candidates = [join(REPO_ROOT, '..', 'shared', 'assets'), join(REPO_ROOT, 'shared', 'assets')];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found === undefined) {
    throw new InvalidArgumentError(
      '[defaultAssetsDir] no shared/assets found; pass assetsDir or set VERBATIM_SHARED',
    );
  }
  return found;
}

/**
 * Writes the model folder `outDir` (created if missing) and returns the files written. Throws InvalidArgumentError
 * for an unknown architecture, a bad seed, or a dtype the layout cannot hold. Synchronous; streams every tensor.
 */
export function writeLayout(outDir: string, options: WriteLayoutOptions): string[] {
  const { layout, architecture, seed, dtype = 'f32', maxShardBytes } = options;
  architectureSpec(architecture);
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new InvalidArgumentError(`[writeLayout] seed must be an integer in [0, 2^32), got ${seed}`);
  }
  if (layout === 'mlx-npz' && dtype === 'bf16') {
    throw new InvalidArgumentError('[writeLayout] .npz cannot hold bf16; use mlx-safetensors');
  }
  mkdirSync(outDir, { recursive: true });
  switch (layout) {
    case 'hf':
    case 'hf-sharded':
      return writeHfLayout(outDir, {
        architecture,
        seed,
        dtype,
        assetsDir: options.assetsDir ?? defaultAssetsDir(),
        ...(layout === 'hf-sharded' || maxShardBytes !== undefined
          ? { maxShardBytes: maxShardBytes ?? DEFAULT_MAX_SHARD_BYTES }
          : {}),
      });
    case 'mlx-safetensors':
    case 'mlx-npz':
      return writeMlxLayout(outDir, {
        architecture,
        seed,
        dtype,
        container: layout === 'mlx-npz' ? 'npz' : 'safetensors',
      });
    case 'ggml-f32':
    case 'ggml-f16':
      return writeGgmlLayout(outDir, {
        architecture,
        seed,
        dtype: layout === 'ggml-f32' ? 'f32' : 'f16',
        assetsDir: options.assetsDir ?? defaultAssetsDir(),
      });
  }
}
