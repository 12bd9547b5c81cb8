import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeValues, encodeValues } from '../float-encoding.js';
import { readNpz } from '../formats/npz.js';
import type { SafetensorsHeader } from '../formats/safetensors.js';
import { readSafetensorsBytes, readSafetensorsHeader } from '../formats/safetensors.js';
import { tensorValues } from '../seeded-tensor.js';
import { mlxName, tensorByHfName, whisperTensors } from '../whisper-tensors.js';
import { writeLayout } from './write-layout.js';

const SEED = 1234;
const workDir = mkdtempSync(join(tmpdir(), 'reference-mlx-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const MLX_CONFIG = `{
    "n_mels": 80,
    "n_audio_ctx": 1500,
    "n_audio_state": 384,
    "n_audio_head": 6,
    "n_audio_layer": 4,
    "n_vocab": 51865,
    "n_text_ctx": 448,
    "n_text_state": 384,
    "n_text_head": 6,
    "n_text_layer": 4,
    "model_type": "whisper"
}`;

const sameBytes = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer).equals(Buffer.from(b.buffer));

/** HF conv weight [out, in, k] read at MLX's [o, k, i]. */
function hfConvAt(values: Float32Array, shape: readonly number[], o: number, k: number, i: number): number {
  const [, inChannels, kernel] = shape as [number, number, number];
  return values[(o * inChannels + i) * kernel + k]!;
}

describe('MLX layout, tiny, safetensors', () => {
  const dir = join(workDir, 'safetensors');
  const weights = join(dir, 'weights.safetensors');
  let header: SafetensorsHeader;
  beforeAll(() => {
    writeLayout(dir, { layout: 'mlx-safetensors', architecture: 'tiny', seed: SEED });
    header = readSafetensorsHeader(weights);
  });

  it('writes config.json as mlx-examples convert.py does', () => {
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe(MLX_CONFIG);
  });

  it('names tensors the MLX way and leaves out the encoder positions MLX computes itself', () => {
    const expected = whisperTensors('tiny')
      .filter((t) => t.hfName !== 'model.encoder.embed_positions.weight')
      .map(mlxName)
      .sort();
    expect([...header.tensors.keys()]).toEqual(expected);
    expect(header.metadata).toEqual({ format: 'mlx' });
    expect(header.tensors.has('encoder.positional_embedding')).toBe(false);
    expect(header.tensors.get('encoder.blocks.0.mlp1.weight')?.shape).toEqual([1536, 384]);
    expect(header.tensors.get('decoder.blocks.3.cross_attn.query.bias')?.shape).toEqual([384]);
    expect(header.tensors.get('encoder.conv1.weight')?.shape).toEqual([384, 3, 80]);
    expect(header.tensors.get('encoder.conv2.weight')?.shape).toEqual([384, 3, 384]);
  });

  it('holds the Hugging Face values, conv weights transposed to [out, kernel, in]', () => {
    for (const [mlx, hf] of [
      ['encoder.blocks.0.mlp1.weight', 'model.encoder.layers.0.fc1.weight'],
      ['decoder.token_embedding.weight', 'model.decoder.embed_tokens.weight'],
      ['decoder.positional_embedding', 'model.decoder.embed_positions.weight'],
      ['decoder.blocks.2.cross_attn_ln.weight', 'model.decoder.layers.2.encoder_attn_layer_norm.weight'],
      ['decoder.ln.bias', 'model.decoder.layer_norm.bias'],
    ] as const) {
      const stored = decodeValues(readSafetensorsBytes(weights, header, mlx), 'f32');
      expect(sameBytes(stored, tensorValues(SEED, tensorByHfName('tiny', hf)))).toBe(true);
    }
    const conv = tensorByHfName('tiny', 'model.encoder.conv1.weight');
    const hf = tensorValues(SEED, conv);
    const mlx = decodeValues(readSafetensorsBytes(weights, header, 'encoder.conv1.weight'), 'f32');
    for (const [o, k, i] of [
      [0, 0, 0],
      [5, 2, 79],
      [383, 1, 40],
    ] as const) {
      expect(mlx[(o * 3 + k) * 80 + i]).toBe(hfConvAt(hf, conv.shape, o, k, i));
    }
  });
});

describe('MLX layout, tiny, npz, f16', () => {
  it('stores .npy members numpy reads, with the float16 Hugging Face values', () => {
    const dir = join(workDir, 'npz');
    writeLayout(dir, { layout: 'mlx-npz', architecture: 'tiny', seed: SEED, dtype: 'f16' });
    const arrays = readNpz(join(dir, 'weights.npz'));
    expect(arrays.size).toBe(whisperTensors('tiny').length - 1);
    const fc2 = arrays.get('decoder.blocks.1.mlp2.weight')!;
    expect(fc2.descr).toBe('<f2');
    expect(fc2.shape).toEqual([384, 1536]);
    const expected = encodeValues(
      tensorValues(SEED, tensorByHfName('tiny', 'model.decoder.layers.1.fc2.weight')),
      'f16',
    );
    expect(fc2.data.equals(expected)).toBe(true);
    expect(arrays.get('encoder.conv2.weight')?.shape).toEqual([384, 3, 384]);
    expect(arrays.get('encoder.ln_post.bias')?.shape).toEqual([384]);
  });
});
