/** The Hugging Face layout: configs, tokenizer files, model.safetensors or shards with their index. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dtype } from '../float-encoding.js';
import { withFileSink } from '../formats/byte-sink.js';
import { writeSafetensors, writeShardedSafetensors } from '../formats/safetensors.js';
import type { StoredTensor } from '../formats/stored-tensor.js';
import { seededStoredTensor } from '../formats/stored-tensor.js';
import { whisperTensors } from '../whisper-tensors.js';
import { configJson, generationConfigJson, preprocessorConfigJson, transformersJson } from './hf-config.js';
import { tokenizerFiles } from './hf-tokenizer.js';

/** safetensors metadata of PyTorch-saved checkpoints. */
export const HF_SAFETENSORS_METADATA = { format: 'pt' } as const;

/** The model's tensors under their Hugging Face names, in PyTorch shapes. */
export function hfTensors(architecture: string, seed: number, dtype: Dtype): StoredTensor[] {
  return whisperTensors(architecture).map((tensor) => seededStoredTensor(seed, tensor, dtype));
}

export interface HfLayoutOptions {
  readonly architecture: string;
  readonly seed: number;
  readonly dtype: Dtype;
  /** When set, shards of at most this many bytes (a tensor larger than that gets a shard of its own). */
  readonly maxShardBytes?: number;
  /** shared/assets, for the tokenizer files. */
  readonly assetsDir: string;
}

/** Writes the layout into the existing folder `dir`; returns the paths written. */
export function writeHfLayout(dir: string, options: HfLayoutOptions): string[] {
  const { architecture, seed, dtype, maxShardBytes, assetsDir } = options;
  const texts: [string, string][] = [
    ['config.json', transformersJson(configJson(architecture, dtype))],
    ['generation_config.json', transformersJson(generationConfigJson(architecture))],
    ['preprocessor_config.json', transformersJson(preprocessorConfigJson(architecture))],
  ];
  const written = texts.map(([name, text]) => {
    writeFileSync(join(dir, name), text, 'utf8');
    return join(dir, name);
  });
  for (const [name, bytes] of tokenizerFiles(architecture, assetsDir)) {
    writeFileSync(join(dir, name), bytes);
    written.push(join(dir, name));
  }
  const tensors = hfTensors(architecture, seed, dtype);
  if (maxShardBytes !== undefined) {
    return [...written, ...writeShardedSafetensors(dir, tensors, HF_SAFETENSORS_METADATA, maxShardBytes)];
  }
  const modelPath = join(dir, 'model.safetensors');
  withFileSink(modelPath, (sink) => writeSafetensors(sink, tensors, HF_SAFETENSORS_METADATA));
  return [...written, modelPath];
}
