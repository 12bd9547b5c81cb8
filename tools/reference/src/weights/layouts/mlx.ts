/**
 * The MLX community layout (mlx-examples whisper/convert.py): config.json with OpenAI's ModelDimensions plus
 * model_type, and weights.safetensors or weights.npz under MLX names. Conv weights are [out, kernel, in]. There is
 * no encoder.positional_embedding: MLX computes the sinusoids itself (a private, unsaved attribute).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dtype } from '../float-encoding.js';
import { withFileSink } from '../formats/byte-sink.js';
import { writeNpz } from '../formats/npz.js';
import { dumpPythonJson } from '../formats/python-json.js';
import { writeSafetensors } from '../formats/safetensors.js';
import type { StoredTensor } from '../formats/stored-tensor.js';
import { seededStoredTensor } from '../formats/stored-tensor.js';
import { architectureSpec, mlxName, openaiDimensions, whisperTensors } from '../whisper-tensors.js';

/** PyTorch Conv1d [out, in, kernel] to MLX Conv1d [out, kernel, in]. */
export const MLX_CONV_AXES = [0, 2, 1] as const;
export const MLX_SAFETENSORS_METADATA = { format: 'mlx' } as const;
export type MlxContainer = 'safetensors' | 'npz';

export function mlxTensors(architecture: string, seed: number, dtype: Dtype): StoredTensor[] {
  return whisperTensors(architecture)
    .filter((tensor) => tensor.init.kind !== 'sinusoids')
    .map((tensor) =>
      seededStoredTensor(seed, tensor, dtype, {
        name: mlxName(tensor),
        ...(tensor.shape.length === 3 ? { axes: MLX_CONV_AXES } : {}),
      }),
    );
}

/** config.json as convert.py writes it: `json.dump(config, f, indent=4)`, fields in ModelDimensions order. */
export function mlxConfigJson(architecture: string): string {
  return dumpPythonJson(
    { ...openaiDimensions(architectureSpec(architecture)), model_type: 'whisper' },
    { indent: 4 },
  );
}

export interface MlxLayoutOptions {
  readonly architecture: string;
  readonly seed: number;
  readonly dtype: Dtype;
  readonly container: MlxContainer;
}

/** Writes config.json and weights.safetensors or weights.npz into `dir`; returns their paths. */
export function writeMlxLayout(dir: string, options: MlxLayoutOptions): string[] {
  const { architecture, seed, dtype, container } = options;
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, mlxConfigJson(architecture), 'utf8');
  const tensors = mlxTensors(architecture, seed, dtype);
  const weightsPath = join(dir, `weights.${container}`);
  withFileSink(weightsPath, (sink) => {
    if (container === 'safetensors') writeSafetensors(sink, tensors, MLX_SAFETENSORS_METADATA);
    else
      writeNpz(
        sink,
        [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      );
  });
  return [configPath, weightsPath];
}
