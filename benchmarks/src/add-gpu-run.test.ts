import { describe, expect, it } from 'vitest';
import { gpuHistoryLine } from './add-gpu-run.mjs';

describe('gpuHistoryLine', () => {
  it('keeps each side’s end-to-end RTFx per model and batch, and the median ratios', () => {
    const line = gpuHistoryLine({
      started_at: '2026-11-22T14:05:00+00:00',
      benchmark: 'gpu-model',
      commit: 'abc',
      host: 'NVIDIA H100',
      records: [
        { impl: 'verbatim', model: 'tiny', batch: 64, stage: 'e2e', rtfx: 11889.4, wall_s: 0.1615 },
        { impl: 'transformers', model: 'tiny', batch: 64, stage: 'encoder', rtfx: 122847, wall_s: 0.0156 },
        { impl: 'transformers', model: 'tiny', batch: 64, stage: 'e2e', rtfx: 5168.4, wall_s: 0.3715 },
      ],
      comparisons: [{ model: 'tiny', batch: 64, ratio_median: 2.3 }],
    });
    expect(line.stages).toEqual({
      'verbatim:e2e/tiny/b64': { ms: 161.5, rtfx: 11889.4 },
      'transformers:e2e/tiny/b64': { ms: 371.5, rtfx: 5168.4 },
    });
    expect(line.ratios).toEqual({ 'tiny/b64': 2.3 });
    expect(line.commit).toBe('abc');
  });
});
