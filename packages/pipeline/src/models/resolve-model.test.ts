import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '@verbatim/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEMO_MODEL_DIR } from './demo-model.js';
import { MODEL_ALIASES } from './model-catalog.js';
import { resolveModel, resolveModelFrom } from './resolve-model.js';
import { modelErrorOf } from './test-support/model-error-of.js';
import { useTempDirs, whisperRepoFiles } from './test-support/whisper-repo-files.js';

const tempDir = useTempDirs();

beforeEach(() => {
  // Hub aliases must never reach the real Hub from here: offline, with an empty cache.
  vi.stubEnv('HF_HUB_OFFLINE', '1');
  vi.stubEnv('HF_ENDPOINT', 'http://127.0.0.1:9');
});
afterEach(() => {
  vi.unstubAllEnvs();
});

async function hfFolder(): Promise<string> {
  const dir = await tempDir();
  for (const [name, content] of Object.entries(whisperRepoFiles({ weightBytes: 64 }))) {
    await writeFile(join(dir, name), content);
  }
  return dir;
}

describe('the demo model', () => {
  it('lives at models/verbatim-demo-tiny in the repository root', () => {
    const packageRoot = fileURLToPath(new URL('../..', import.meta.url));
    const repoRoot = dirname(dirname(packageRoot));
    expect(existsSync(join(repoRoot, 'pnpm-workspace.yaml'))).toBe(true);
    expect(relative(repoRoot, DEMO_MODEL_DIR)).toBe(join('models', 'verbatim-demo-tiny'));
  });

  it('is the default, and resolves to its folder when it is there', async () => {
    const dir = await hfFolder();
    const model = await resolveModelFrom(dir);
    expect(model).toMatchObject({
      name: 'demo',
      source: 'demo',
      path: dir,
      layout: 'huggingface',
      architecture: undefined,
      hub: undefined,
    });
    expect((await resolveModelFrom(dir, 'demo')).path).toBe(dir);
  });

  it('says clearly that it is missing, naming the folder', async () => {
    const missing = join(await tempDir(), 'verbatim-demo-tiny');
    const error = await modelErrorOf(resolveModelFrom(missing));
    expect(error.reason).toBe('E_MODEL_NOT_FOUND');
    expect(error.code).toBe('E_FILE_NOT_FOUND');
    expect(error.model).toBe('demo');
    expect(error.path).toBe(missing);
    expect(error.message).toMatch(/^\[resolveModel\] the demo model is not in this checkout .*: /);
    expect(error.message.endsWith(missing)).toBe(true);
  });

  it('is what resolveModel() resolves by default, from this checkout', async () => {
    const resolved = resolveModel();
    if (existsSync(DEMO_MODEL_DIR)) {
      expect((await resolved).path).toBe(DEMO_MODEL_DIR);
    } else {
      expect((await modelErrorOf(resolved)).path).toBe(DEMO_MODEL_DIR);
    }
  });
});

describe('paths', () => {
  it('resolves absolute and relative paths, and ~', async () => {
    const dir = await hfFolder();
    expect(await resolveModel(dir)).toMatchObject({
      name: dir,
      source: 'path',
      path: dir,
      layout: 'huggingface',
    });
    const relativePath = relative(process.cwd(), dir);
    expect((await resolveModel(relativePath)).path).toBe(dir);
    const home = await modelErrorOf(resolveModel('~/surely-no-model-here-7f3a'));
    expect(home.reason).toBe('E_MODEL_NOT_FOUND');
    expect(home.path).toBe(join(process.env.HOME ?? '', 'surely-no-model-here-7f3a'));
  });

  it('treats an existing folder named without a slash as a path', async () => {
    const parent = await tempDir();
    const folder = join(parent, 'my-model');
    await mkdir(folder);
    for (const [name, content] of Object.entries(whisperRepoFiles({ weightBytes: 64 }))) {
      await writeFile(join(folder, name), content);
    }
    const cwd = vi.spyOn(process, 'cwd').mockReturnValue(parent);
    try {
      expect((await resolveModel('my-model')).path).toBe(folder);
    } finally {
      cwd.mockRestore();
    }
  });

  it('reports a missing path as not found rather than as an unknown alias', async () => {
    const error = await modelErrorOf(resolveModel('./models/none'));
    expect(error.reason).toBe('E_MODEL_NOT_FOUND');
  });
});

describe('names', () => {
  it('lists the known aliases for an unknown one', async () => {
    const error = await modelErrorOf(resolveModel('large-v4'));
    expect(error.reason).toBe('E_UNKNOWN_MODEL');
    expect(error.code).toBe('E_INVALID_ARG');
    expect(error.model).toBe('large-v4');
    expect(error.message).toBe(
      `[resolveModel] unknown model (not a path either); known models: ${MODEL_ALIASES.join(', ')}: large-v4`,
    );
    expect(error.message).toContain('tiny, tiny.en, base, base.en');
    expect(error.message).toContain('turbo, distil-large-v2');
  });

  it('rejects an empty name', async () => {
    await expect(resolveModel(' ')).rejects.toThrow(InvalidArgumentError);
  });

  it('takes an alias as an alias even when a folder of that name exists', async () => {
    const parent = await tempDir();
    await mkdir(join(parent, 'tiny'));
    const cwd = vi.spyOn(process, 'cwd').mockReturnValue(parent);
    try {
      const error = await modelErrorOf(resolveModel('tiny', { cacheDir: await tempDir() }));
      expect(error.reason).toBe('E_MODEL_NOT_CACHED');
      expect(error.message).toContain('openai/whisper-tiny');
    } finally {
      cwd.mockRestore();
    }
  });
});
