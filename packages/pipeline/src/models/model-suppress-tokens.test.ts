import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelLoadError } from '@verbatim/core';
import { afterAll, describe, expect, it } from 'vitest';
import { readModelSuppressTokens } from './model-suppress-tokens.js';

describe('readModelSuppressTokens', () => {
  const root = mkdtempSync(join(tmpdir(), 'verbatim-suppress-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const folder = (name: string, config?: string) => {
    const dir = join(root, name);
    mkdirSync(dir);
    if (config !== undefined) writeFileSync(join(dir, 'generation_config.json'), config);
    return dir;
  };

  it("reads generation_config.json's suppress_tokens", async () => {
    const dir = folder('own', JSON.stringify({ suppress_tokens: [1, 2, 922], begin_suppress_tokens: [220] }));
    expect(await readModelSuppressTokens(dir)).toEqual([1, 2, 922]);
  });

  it('gives undefined without the file, without the key, or for a ggml file', async () => {
    expect(await readModelSuppressTokens(folder('none'))).toBeUndefined();
    expect(await readModelSuppressTokens(folder('nokey', '{"max_length": 448}'))).toBeUndefined();
    const ggml = join(root, 'ggml-tiny.bin');
    writeFileSync(ggml, 'lmgg');
    expect(await readModelSuppressTokens(ggml)).toBeUndefined();
  });

  it('refuses a broken file naming it', async () => {
    const broken = folder('broken', '{"suppress_tokens": [1, 2');
    await expect(readModelSuppressTokens(broken)).rejects.toBeInstanceOf(ModelLoadError);
    await expect(readModelSuppressTokens(broken)).rejects.toThrow(join(broken, 'generation_config.json'));
    const wrong = folder('wrong', '{"suppress_tokens": [1, "two", -3]}');
    await expect(readModelSuppressTokens(wrong)).rejects.toThrow(
      /suppress_tokens must be a list of token ids/,
    );
  });
});
