import { WHISPER_ARCHITECTURES } from '@verbatim/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL, hubModelEntry, isModelAlias, MODEL_ALIASES } from './model-catalog.js';

describe('model catalogue', () => {
  it('knows every released checkpoint by its usual name, demo first and the default', () => {
    expect(MODEL_ALIASES).toEqual([
      'demo',
      'tiny',
      'tiny.en',
      'base',
      'base.en',
      'small',
      'small.en',
      'medium',
      'medium.en',
      'large-v1',
      'large-v2',
      'large-v3',
      'large',
      'large-v3-turbo',
      'turbo',
      'distil-large-v2',
      'distil-large-v3',
      'distil-medium.en',
      'distil-small.en',
    ]);
    expect(DEFAULT_MODEL).toBe('demo');
    expect(isModelAlias('base.en')).toBe(true);
    expect(isModelAlias('large-v4')).toBe(false);
  });

  it('maps OpenAI checkpoints to openai/whisper-* and distilled ones to distil-whisper/*', () => {
    expect(hubModelEntry('tiny.en')).toEqual({
      alias: 'tiny.en',
      repo: 'openai/whisper-tiny.en',
      architecture: 'tiny.en',
    });
    expect(hubModelEntry('distil-small.en')).toEqual({
      alias: 'distil-small.en',
      repo: 'distil-whisper/distil-small.en',
      architecture: 'distil-small.en',
    });
    expect(hubModelEntry('demo')).toBeUndefined();
  });

  it('points the shorthands at the newest large and turbo checkpoints', () => {
    expect(hubModelEntry('large')).toMatchObject({
      repo: 'openai/whisper-large-v3',
      architecture: 'large-v3',
    });
    expect(hubModelEntry('turbo')).toMatchObject({
      repo: 'openai/whisper-large-v3-turbo',
      architecture: 'large-v3-turbo',
    });
  });

  it('names an architecture core knows for every Hub model', () => {
    for (const alias of MODEL_ALIASES.slice(1)) {
      const entry = hubModelEntry(alias)!;
      expect(WHISPER_ARCHITECTURES[entry.architecture], alias).toBeDefined();
      expect(entry.repo.endsWith(entry.architecture), alias).toBe(true);
    }
  });
});
