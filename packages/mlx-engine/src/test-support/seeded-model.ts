/**
 * Seeded random Whisper weights (the reference harness's generator) written to a temporary folder, in any layout
 * the generator writes, for tests that need a real model: the reference fixtures were computed on exactly these.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Dtype, type Layout, writeLayout } from '@verbatim/reference';

export interface SeededModel {
  /** What loadModel() takes: the model folder, or the .bin file of a ggml layout. */
  readonly path: string;
  /** Every file written. */
  readonly files: readonly string[];
  /** Deletes the temporary folder. */
  remove(): void;
}

export interface SeededModelOptions {
  readonly layout: Layout;
  readonly seed: number;
  /** Tensor dtype of hf and mlx layouts (default f32). */
  readonly dtype?: Dtype;
}

export function writeSeededModel(architecture: string, options: SeededModelOptions): SeededModel {
  const dir = mkdtempSync(join(tmpdir(), `verbatim-${architecture}-${options.layout}-`));
  const files = writeLayout(dir, { architecture, ...options });
  const ggmlFile = files.find((file) => file.endsWith('.bin'));
  return {
    path: options.layout.startsWith('ggml') && ggmlFile !== undefined ? ggmlFile : dir,
    files,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
