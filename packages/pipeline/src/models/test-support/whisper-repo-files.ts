/**
 * Small generated stand-ins for a Whisper repository's files: real-looking configs and tokenizer files, and
 * "weights" of seeded pseudo-random bytes (a few hundred KB; the engine never loads them in these tests).
 */

import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

/** Deterministic bytes: SHA-256 in counter mode over the seed. */
export function seededBytes(seed: string, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let block = 0, offset = 0; offset < length; block++, offset += 32) {
    createHash('sha256').update(`${seed}:${block}`).digest().copy(out, offset);
  }
  return out;
}

export interface RepoFilesOptions {
  /** Split the weights over this many shards with an index (default 1: one model.safetensors). */
  readonly shards?: number;
  readonly weightBytes?: number;
  readonly seed?: string;
}

/** A Hugging Face Whisper repository's files; the optional special_tokens_map.json, added_tokens.json and normalizer.json are left out. */
export function whisperRepoFiles(options: RepoFilesOptions = {}): Record<string, Buffer | string> {
  const { shards = 1, weightBytes = 300_000, seed = 'weights' } = options;
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  const files: Record<string, Buffer | string> = {
    'config.json': json({ model_type: 'whisper', d_model: 384, encoder_layers: 4, decoder_layers: 4 }),
    'generation_config.json': json({ decoder_start_token_id: 50258, max_length: 448 }),
    'preprocessor_config.json': json({ feature_size: 80, sampling_rate: 16000, hop_length: 160 }),
    'tokenizer.json': json({ version: '1.0', model: { type: 'BPE' } }),
    'tokenizer_config.json': json({ tokenizer_class: 'WhisperTokenizer' }),
    'vocab.json': json({ '!': 0, '"': 1 }),
    'merges.txt': '#version: 0.2\nĠ t\n',
  };
  if (shards === 1) {
    files['model.safetensors'] = seededBytes(seed, weightBytes);
    return files;
  }
  const weightMap: Record<string, string> = {};
  for (let shard = 1; shard <= shards; shard++) {
    const name = `model-${String(shard).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
    files[name] = seededBytes(`${seed}-${shard}`, Math.ceil(weightBytes / shards));
    weightMap[`model.encoder.layers.${shard}.fc1.weight`] = name;
    weightMap[`model.decoder.layers.${shard}.fc1.weight`] = name;
  }
  files['model.safetensors.index.json'] = json({
    metadata: { total_size: weightBytes },
    weight_map: weightMap,
  });
  return files;
}

/** A fresh temporary folder per call, removed after each test. */
export function useTempDirs(): () => Promise<string> {
  const made: string[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });
  return async () => {
    const dir = await mkdtemp(join(tmpdir(), 'verbatim-pipeline-'));
    made.push(dir);
    return dir;
  };
}
