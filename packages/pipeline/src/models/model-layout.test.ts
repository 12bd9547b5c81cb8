import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ModelResolutionError } from './model-errors.js';
import { detectModelLayout } from './model-layout.js';
import { modelErrorOf } from './test-support/model-error-of.js';
import { useTempDirs, whisperRepoFiles } from './test-support/whisper-repo-files.js';

/** whisper.cpp's test model: a real ggml header (no tensors), enough for layout detection. */
const GGML_TINY = new URL(
  '../../../../../shared/assets/whisper-cpp-testfiles/for-tests-ggml-tiny.bin',
  import.meta.url,
);

const tempDir = useTempDirs();

async function folderWith(files: Record<string, Buffer | string>): Promise<string> {
  const dir = await tempDir();
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return dir;
}

function layoutError(path: string): Promise<ModelResolutionError> {
  return modelErrorOf(detectModelLayout(path));
}

describe('detectModelLayout', () => {
  it('recognises a Hugging Face folder with one model.safetensors', async () => {
    const dir = await folderWith(whisperRepoFiles({ weightBytes: 64 }));
    expect(await detectModelLayout(dir)).toEqual({
      layout: 'huggingface',
      path: dir,
      files: ['config.json', 'model.safetensors'],
    });
  });

  it('recognises a sharded Hugging Face folder and lists its shards from the index', async () => {
    const dir = await folderWith(whisperRepoFiles({ shards: 2, weightBytes: 64 }));
    expect(await detectModelLayout(dir)).toEqual({
      layout: 'huggingface-sharded',
      path: dir,
      files: [
        'config.json',
        'model.safetensors.index.json',
        'model-00001-of-00002.safetensors',
        'model-00002-of-00002.safetensors',
      ],
    });
  });

  it('names a shard the index lists but the folder lacks', async () => {
    const { 'model-00002-of-00002.safetensors': _, ...files } = whisperRepoFiles({
      shards: 2,
      weightBytes: 64,
    });
    const error = await layoutError(await folderWith(files));
    expect(error.reason).toBe('E_MODEL_LAYOUT');
    expect(error.code).toBe('E_MODEL_LOAD');
    expect(error.message).toContain('missing shard(s) model-00002-of-00002.safetensors');
  });

  it('refuses an index that names a file outside the folder', async () => {
    const index = JSON.stringify({ weight_map: { 'a.weight': '../../etc/passwd' } });
    const dir = await folderWith({ 'config.json': '{}', 'model.safetensors.index.json': index });
    expect((await layoutError(dir)).message).toContain('unusable file name "../../etc/passwd"');
  });

  it.each([
    ['weights.safetensors', 'mlx-safetensors'],
    ['weights.npz', 'mlx-npz'],
  ])('recognises an MLX folder by its OpenAI-style config and %s', async (weights, layout) => {
    const dir = await folderWith({ 'config.json': JSON.stringify({ n_audio_state: 384 }), [weights]: 'x' });
    expect(await detectModelLayout(dir)).toEqual({ layout, path: dir, files: ['config.json', weights] });
  });

  it('recognises a whisper.cpp ggml file, and a folder holding one', async () => {
    const dir = await tempDir();
    const file = join(dir, 'ggml-tiny.bin');
    await copyFile(GGML_TINY, file);
    expect(await detectModelLayout(file)).toEqual({ layout: 'ggml', path: file, files: ['ggml-tiny.bin'] });
    await writeFile(join(dir, 'notes.bin'), 'not a model');
    expect(await detectModelLayout(dir)).toEqual({ layout: 'ggml', path: file, files: ['ggml-tiny.bin'] });
  });

  it('asks which file when a folder holds several ggml models', async () => {
    const dir = await tempDir();
    await copyFile(GGML_TINY, join(dir, 'a.bin'));
    await copyFile(GGML_TINY, join(dir, 'b.bin'));
    expect((await layoutError(dir)).message).toContain(
      'several whisper.cpp models (a.bin, b.bin): name the file',
    );
  });

  it('explains what is missing from folders that are not models', async () => {
    expect((await layoutError(await folderWith({ 'readme.md': 'hi' }))).message).toContain(
      'no config.json (Hugging Face, MLX) and no whisper.cpp ggml .bin file',
    );
    expect((await layoutError(await folderWith({ 'config.json': '{}' }))).message).toContain(
      'a Hugging Face config.json but neither model.safetensors nor model.safetensors.index.json',
    );
    expect(
      (await layoutError(await folderWith({ 'config.json': '{"n_audio_state": 1}' }))).message,
    ).toContain('an MLX config.json but neither weights.safetensors nor weights.npz');
    const bert = await folderWith({ 'config.json': '{"model_type": "bert"}', 'model.safetensors': 'x' });
    expect((await layoutError(bert)).message).toContain('config.json describes a bert model, not Whisper');
    expect((await layoutError(await folderWith({ 'config.json': '[1]' }))).message).toContain(
      'config.json is not a JSON object',
    );
    expect((await layoutError(await folderWith({ 'config.json': '{' }))).message).toContain(
      'unreadable config.json',
    );
  });

  it('rejects a file that is not ggml', async () => {
    const dir = await folderWith({ 'model.bin': 'GGUF....' });
    expect((await layoutError(join(dir, 'model.bin'))).message).toContain('not a whisper.cpp ggml file');
  });

  it('reports a path that does not exist as E_MODEL_NOT_FOUND', async () => {
    const missing = join(await tempDir(), 'nope');
    const error = await layoutError(missing);
    expect(error.reason).toBe('E_MODEL_NOT_FOUND');
    expect(error.code).toBe('E_FILE_NOT_FOUND');
    expect(error.path).toBe(missing);
    expect(error.message).toBe(`[resolveModel] no model at this path: ${missing}`);
  });
});
