/**
 * Every layout the reference generator writes loads and gives the logits of the Hugging Face copy of the same
 * weights: fp32 layouts within 1e-4, f16 weights (Hugging Face f16, ggml f16) within 1e-2. Broken directories fail
 * with E_MODEL_LOAD naming the file. Needs the engine built (pnpm build).
 */
import { readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelLoadError } from '@verbatim/core';
import { checkParity, type Layout, loadReferenceFixture, type Precision } from '@verbatim/reference';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from './load-model.js';
import type { ModelFormat, WeightDtype } from './model-info.js';
import { type SeededModel, type SeededModelOptions, writeSeededModel } from './test-support/seeded-model.js';
import { referenceMel, teacherForcedLogits } from './test-support/teacher-forcing.js';

const ARCH = 'tiny';
const TIMEOUT_MS = 120_000;
const fixture = loadReferenceFixture(ARCH);
const clip = fixture.clips[0]!;
const prompt = fixture.teacherForced.f32[0]!.prompt;

interface LayoutCase {
  readonly options: Omit<SeededModelOptions, 'seed'>;
  readonly format: ModelFormat;
  readonly weightDtype: WeightDtype;
  readonly precision: Precision;
}

const CASES: Readonly<Record<string, LayoutCase>> = {
  'hf-sharded': {
    options: { layout: 'hf-sharded' },
    format: 'huggingface-safetensors',
    weightDtype: 'f32',
    precision: 'f32',
  },
  'mlx-safetensors': {
    options: { layout: 'mlx-safetensors' },
    format: 'mlx-safetensors',
    weightDtype: 'f32',
    precision: 'f32',
  },
  'mlx-npz': { options: { layout: 'mlx-npz' }, format: 'mlx-npz', weightDtype: 'f32', precision: 'f32' },
  'ggml-f32': { options: { layout: 'ggml-f32' }, format: 'ggml', weightDtype: 'f32', precision: 'f32' },
  'ggml-f16': { options: { layout: 'ggml-f16' }, format: 'ggml', weightDtype: 'f16', precision: 'f16' },
  'hf f16': {
    options: { layout: 'hf', dtype: 'f16' },
    format: 'huggingface-safetensors',
    weightDtype: 'f16',
    precision: 'f16',
  },
};

async function logitsOf(path: string) {
  const model = await loadModel(path);
  try {
    return { info: model.info, logits: await teacherForcedLogits(model, referenceMel(model, clip), prompt) };
  } finally {
    await model.dispose();
  }
}

describe(`loaders: every layout of ${ARCH} gives the logits of the Hugging Face copy`, () => {
  let hfLogits: Float32Array;

  beforeAll(async () => {
    const hf = writeSeededModel(ARCH, { layout: 'hf', seed: fixture.seed });
    try {
      const { info, logits } = await logitsOf(hf.path);
      expect(info).toMatchObject({
        format: 'huggingface-safetensors',
        weightDtype: 'f32',
        weightCopyBytes: 0,
      });
      hfLogits = logits;
    } finally {
      hf.remove();
    }
  }, TIMEOUT_MS);

  it.each(Object.entries(CASES))(
    '%s',
    async (name, { options, format, weightDtype, precision }) => {
      const weights = writeSeededModel(ARCH, { ...options, seed: fixture.seed });
      try {
        const { info, logits } = await logitsOf(weights.path);
        expect(info).toMatchObject({ format, weightDtype, path: weights.path });
        const parity = checkParity(`${name} vs hf`, logits, hfLogits, precision);
        expect(parity.ok, parity.message).toBe(true);
      } finally {
        weights.remove();
      }
    },
    TIMEOUT_MS,
  );
});

describe('loaders: broken models fail with E_MODEL_LOAD naming the file', () => {
  const models: SeededModel[] = [];
  afterAll(() => {
    for (const model of models) model.remove();
  });

  function write(layout: Layout): SeededModel {
    const model = writeSeededModel(ARCH, { layout, seed: fixture.seed });
    models.push(model);
    return model;
  }

  async function expectLoadError(path: string, named: string): Promise<void> {
    const failure = loadModel(path);
    await expect(failure).rejects.toBeInstanceOf(ModelLoadError);
    await expect(failure).rejects.toMatchObject({ code: 'E_MODEL_LOAD', path });
    await expect(failure).rejects.toThrow(named);
  }

  it('a truncated safetensors file', async () => {
    const model = write('hf');
    const file = join(model.path, 'model.safetensors');
    truncateSync(file, statSync(file).size - 1000);
    await expectLoadError(model.path, 'model.safetensors');
  });

  it('a config that does not match the weights', async () => {
    const model = write('hf');
    const file = join(model.path, 'config.json');
    const config = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...config, d_model: config.d_model * 2 }));
    const failure = loadModel(model.path);
    await expect(failure).rejects.toMatchObject({ code: 'E_MODEL_LOAD', path: model.path });
  });

  it('a missing shard', async () => {
    const model = write('hf-sharded');
    rmSync(join(model.path, 'model-00002-of-00002.safetensors'));
    await expectLoadError(model.path, 'model-00002-of-00002.safetensors');
  });
});
