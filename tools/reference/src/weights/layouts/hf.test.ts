import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeValues } from '../float-encoding.js';
import { readTiktoken } from '../formats/ggml.js';
import type { SafetensorsHeader } from '../formats/safetensors.js';
import { readSafetensorsBytes, readSafetensorsHeader, SHARD_INDEX_FILE } from '../formats/safetensors.js';
import { tensorValues } from '../seeded-tensor.js';
import { elementCount, whisperTensors } from '../whisper-tensors.js';
import { configJson, generationConfigJson, transformersJson } from './hf-config.js';
import { bpeMerges, byteToUnicode, HF_TOKENIZER_ASSETS, tokenizerFiles } from './hf-tokenizer.js';
import { SpecialTokens } from './special-tokens.js';
import { defaultAssetsDir, writeLayout } from './write-layout.js';

const SEED = 1234;
const ASSETS = defaultAssetsDir();
const SHARED_TOKENIZER = join(ASSETS, HF_TOKENIZER_ASSETS);
const workDir = mkdtempSync(join(tmpdir(), 'reference-hf-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const json = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
/** Round-trips a config through JSON so plain objects compare with parsed files. */
const plain = (value: Parameters<typeof transformersJson>[0]) => JSON.parse(transformersJson(value));

describe('Hugging Face layout, tiny, f32', () => {
  const dir = join(workDir, 'tiny');
  const modelPath = join(dir, 'model.safetensors');
  let written: string[];
  let header: SafetensorsHeader;
  beforeAll(() => {
    written = writeLayout(dir, { layout: 'hf', architecture: 'tiny', seed: SEED, assetsDir: ASSETS });
    header = readSafetensorsHeader(modelPath);
  });

  it('writes the files of a published repository', () => {
    expect(written.map((path) => path.slice(dir.length + 1)).sort()).toEqual([
      'config.json',
      'generation_config.json',
      'merges.txt',
      'model.safetensors',
      'preprocessor_config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'vocab.json',
    ]);
  });

  it('has a compact, sorted, space-padded safetensors header whose offsets cover the file', () => {
    const raw = readFileSync(modelPath).subarray(8, header.dataStart).toString('utf8');
    expect(header.dataStart % 8).toBe(0);
    expect(
      raw.startsWith('{"__metadata__":{"format":"pt"},"model.decoder.embed_positions.weight":{"dtype":"F32"'),
    ).toBe(true);
    expect(raw.trimEnd().endsWith('}')).toBe(true);
    expect(header.metadata).toEqual({ format: 'pt' });
    const names = [...header.tensors.keys()];
    expect(names).toEqual([...names].sort());
    let offset = 0;
    for (const entry of header.tensors.values()) {
      expect(entry.dataOffsets[0]).toBe(offset);
      offset = entry.dataOffsets[1];
    }
    expect(statSync(modelPath).size).toBe(header.dataStart + offset);
  });

  it('stores every Hugging Face tensor, with its shape, and nothing else', () => {
    const expected = new Map(whisperTensors('tiny').map((t) => [t.hfName, t.shape]));
    expect(header.tensors.size).toBe(expected.size);
    for (const [name, entry] of header.tensors) {
      expect(entry.dtype).toBe('F32');
      expect(entry.shape).toEqual(expected.get(name));
    }
    expect(header.tensors.get('model.encoder.conv1.weight')?.shape).toEqual([384, 80, 3]);
    expect(header.tensors.get('model.decoder.embed_tokens.weight')?.shape).toEqual([51865, 384]);
    expect(header.tensors.get('model.encoder.embed_positions.weight')?.shape).toEqual([1500, 384]);
    expect(header.tensors.has('model.encoder.layers.0.self_attn.k_proj.bias')).toBe(false);
    expect(header.tensors.has('model.decoder.layers.3.encoder_attn.k_proj.bias')).toBe(false);
    expect(header.tensors.has('model.decoder.layers.3.encoder_attn_layer_norm.weight')).toBe(true);
    expect(header.tensors.has('proj_out.weight')).toBe(false);
    const count = [...header.tensors.values()].reduce((sum, entry) => sum + elementCount(entry.shape), 0);
    expect(count).toBe(37_760_640);
  });

  it('stores the generated values', () => {
    for (const tensor of whisperTensors('tiny').filter((_, i) => i % 17 === 0)) {
      const stored = decodeValues(readSafetensorsBytes(modelPath, header, tensor.hfName), 'f32');
      expect(Buffer.from(stored.buffer).equals(Buffer.from(tensorValues(SEED, tensor).buffer))).toBe(true);
    }
  });

  it('copies the multilingual tokenizer files unchanged', () => {
    for (const name of ['tokenizer.json', 'tokenizer_config.json', 'vocab.json', 'merges.txt']) {
      expect(readFileSync(join(dir, name)).equals(readFileSync(join(SHARED_TOKENIZER, name)))).toBe(true);
    }
  });

  it('writes a preprocessor config with 80 mel bins', () => {
    expect(readFileSync(join(dir, 'preprocessor_config.json'), 'utf8')).toBe(
      readFileSync(join(SHARED_TOKENIZER, 'preprocessor_config.json'), 'utf8'),
    );
  });
});

describe('Hugging Face configs', () => {
  it('matches the published whisper-base config.json apart from torch_dtype', () => {
    const { torch_dtype, ...ours } = plain(configJson('base', 'f32'));
    expect(torch_dtype).toBe('float32');
    expect(ours).toEqual(json(join(SHARED_TOKENIZER, 'config.json')));
  });

  it('uses the English-only ids for tiny.en', () => {
    const config = plain(configJson('tiny.en', 'f16'));
    expect(config).toMatchObject({
      vocab_size: 51864,
      eos_token_id: 50256,
      pad_token_id: 50256,
      bos_token_id: 50257,
      decoder_start_token_id: 50257,
      begin_suppress_tokens: [220, 50256],
      forced_decoder_ids: [[1, 50362]],
      torch_dtype: 'float16',
    });
    expect(config.suppress_tokens.slice(-7)).toEqual([49146, 50257, 50357, 50358, 50359, 50360, 50361]);
    const generation = plain(generationConfigJson('tiny.en'));
    expect(generation).toMatchObject({
      is_multilingual: false,
      decoder_start_token_id: 50257,
      eos_token_id: 50256,
      no_timestamps_token_id: 50362,
      prev_sot_token_id: 50360,
      max_initial_timestamp_index: 50,
      alignment_heads: [
        [1, 0],
        [2, 0],
        [2, 5],
        [3, 0],
        [3, 1],
        [3, 2],
        [3, 3],
        [3, 4],
      ],
    });
    expect(generation.lang_to_id).toBeUndefined();
  });

  it('uses the multilingual ids for tiny', () => {
    const generation = plain(generationConfigJson('tiny'));
    expect(generation).toMatchObject({
      is_multilingual: true,
      decoder_start_token_id: 50258,
      eos_token_id: 50257,
      pad_token_id: 50257,
      no_timestamps_token_id: 50363,
      prev_sot_token_id: 50361,
      begin_suppress_tokens: [220, 50257],
      forced_decoder_ids: [
        [1, null],
        [2, 50359],
      ],
      task_to_id: { transcribe: 50359, translate: 50358 },
      alignment_heads: [
        [2, 2],
        [3, 0],
        [3, 2],
        [3, 3],
        [3, 4],
        [3, 5],
      ],
    });
    expect(Object.keys(generation.lang_to_id)).toHaveLength(99);
    expect(generation.lang_to_id['<|en|>']).toBe(50259);
    expect(generation.lang_to_id['<|su|>']).toBe(50357);
    expect(generation.suppress_tokens).toEqual(json(join(SHARED_TOKENIZER, 'config.json')).suppress_tokens);
  });

  it('shifts every special after <|yue|> by one for large-v3', () => {
    const config = plain(configJson('large-v3', 'f32'));
    expect(config).toMatchObject({
      vocab_size: 51866,
      num_mel_bins: 128,
      pad_token_id: 50256,
      decoder_layers: 32,
    });
    expect(config.suppress_tokens.slice(-6)).toEqual([50258, 50359, 50360, 50361, 50362, 50363]);
    const generation = plain(generationConfigJson('large-v3'));
    expect(generation).toMatchObject({
      no_timestamps_token_id: 50364,
      prev_sot_token_id: 50362,
      task_to_id: { transcribe: 50360, translate: 50359 },
      forced_decoder_ids: [
        [1, null],
        [2, 50360],
      ],
    });
    expect(generation.alignment_heads).toHaveLength(10);
    expect(generation.alignment_heads[0]).toEqual([7, 0]);
    expect(Object.keys(generation.lang_to_id)).toHaveLength(100);
    expect(generation.lang_to_id['<|yue|>']).toBe(50358);
    expect(plain(configJson('large-v3-turbo', 'f32')).decoder_layers).toBe(4);
    expect(plain(generationConfigJson('large-v3-turbo')).alignment_heads).toEqual([
      [2, 4],
      [2, 11],
      [3, 3],
      [3, 6],
      [3, 11],
      [3, 14],
    ]);
    // distil-large-v3 has no published heads: every head of its last (second) decoder layer.
    expect(plain(generationConfigJson('distil-large-v3')).alignment_heads).toHaveLength(20);
  });
});

describe('tokenizer files', () => {
  it('rebuilds the multilingual added tokens exactly', () => {
    const shared = json(join(SHARED_TOKENIZER, 'tokenizer.json'));
    const rebuilt = new SpecialTokens(51865).addedTokens().map((token) => ({
      id: token.id,
      content: token.content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: !token.special,
      special: token.special,
    }));
    expect(rebuilt).toEqual(shared.added_tokens);
  });

  it('derives the multilingual merges.txt from multilingual.tiktoken', () => {
    const encoder = byteToUnicode();
    const text = (bytes: Uint8Array) => Array.from(bytes, (byte) => encoder[byte]!).join('');
    const merges = bpeMerges(readTiktoken(join(ASSETS, 'whisper', 'multilingual.tiktoken')));
    const lines = ['#version: 0.2', ...merges.map(([a, b]) => `${text(a)} ${text(b)}`)].join('\n');
    expect(`${lines}\n` === readFileSync(join(SHARED_TOKENIZER, 'merges.txt'), 'utf8')).toBe(true);
  });

  it('inserts <|yue|> for large-v3 and keeps the BPE', () => {
    const files = tokenizerFiles('large-v3', ASSETS);
    const tokenizer = JSON.parse(files.get('tokenizer.json')!.toString('utf8'));
    const ids = new Map<string, number>(
      tokenizer.added_tokens.map((t: { content: string; id: number }) => [t.content, t.id]),
    );
    expect(tokenizer.added_tokens).toHaveLength(1609);
    expect([
      ids.get('<|su|>'),
      ids.get('<|yue|>'),
      ids.get('<|notimestamps|>'),
      ids.get('<|30.00|>'),
    ]).toEqual([50357, 50358, 50364, 51865]);
    expect(tokenizer.post_processor.special_tokens['<|notimestamps|>'].ids).toEqual([50364]);
    expect(files.get('vocab.json')!.equals(readFileSync(join(SHARED_TOKENIZER, 'vocab.json')))).toBe(true);
    const config = JSON.parse(files.get('tokenizer_config.json')!.toString('utf8'));
    expect(config.added_tokens_decoder['50358'].content).toBe('<|yue|>');
    expect(config.additional_special_tokens).toContain('<|yue|>');
  });

  it('builds the GPT-2 BPE and English-only ids for tiny.en', () => {
    const files = tokenizerFiles('tiny.en', ASSETS);
    const vocab = JSON.parse(files.get('vocab.json')!.toString('utf8'));
    expect(Object.keys(vocab)).toHaveLength(50257);
    expect(vocab['<|endoftext|>']).toBe(50256);
    expect(vocab.Ġthe).toBe(262);
    const merges = files.get('merges.txt')!.toString('utf8').split('\n');
    expect(merges.slice(0, 4)).toEqual(['#version: 0.2', 'Ġ t', 'Ġ a', 'h e']);
    expect(merges).toHaveLength(50002);
    const tokenizer = JSON.parse(files.get('tokenizer.json')!.toString('utf8'));
    expect(tokenizer.added_tokens[0]).toMatchObject({ id: 50256, content: '<|endoftext|>' });
    expect(tokenizer.added_tokens.at(-1)).toMatchObject({ id: 51863, content: '<|30.00|>' });
    expect(tokenizer.post_processor.special_tokens['<|startoftranscript|>'].ids).toEqual([50257]);
    expect(Object.keys(tokenizer.model.vocab)).toHaveLength(50257);
  });
});

describe('sharded Hugging Face layout', () => {
  const dir = join(workDir, 'tiny-sharded');
  const maxShardBytes = 20_000_000;
  let index: { metadata: { total_size: number }; weight_map: Record<string, string> };
  beforeAll(() => {
    writeLayout(dir, { layout: 'hf-sharded', architecture: 'tiny', seed: SEED, dtype: 'f16', maxShardBytes });
    index = json(join(dir, SHARD_INDEX_FILE));
  });

  it('maps every tensor to the shard that holds it', () => {
    const names = whisperTensors('tiny').map((t) => t.hfName);
    expect(Object.keys(index.weight_map).sort()).toEqual([...names].sort());
    const shardFiles = [...new Set<string>(Object.values(index.weight_map))].sort();
    expect(shardFiles[0]).toBe(`model-00001-of-0000${shardFiles.length}.safetensors`);
    let total = 0;
    for (const file of shardFiles) {
      const header = readSafetensorsHeader(join(dir, file));
      const mapped = Object.keys(index.weight_map).filter((name) => index.weight_map[name] === file);
      expect([...header.tensors.keys()].sort()).toEqual(mapped.sort());
      const bytes = [...header.tensors.values()].reduce(
        (sum, e) => sum + e.dataOffsets[1] - e.dataOffsets[0],
        0,
      );
      // Only a tensor larger than the limit (embed_tokens: 39.8 MB in f16) may exceed it, alone in its shard.
      expect(bytes <= maxShardBytes || header.tensors.size === 1).toBe(true);
      expect([...header.tensors.values()].every((e) => e.dtype === 'F16')).toBe(true);
      total += bytes;
    }
    expect(index.metadata.total_size).toBe(total);
    expect(total).toBe(37_760_640 * 2);
  });
});
