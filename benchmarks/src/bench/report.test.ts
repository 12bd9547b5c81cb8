import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chartGroups, gpuChartRecords, gpuTable, newest, rtfxChartSvg } from './report.mjs';

const record = (impl: string, model: string, batch: number, rtfx: number | null, stage = 'e2e') => ({
  impl,
  model,
  backend: 'cpu',
  dtype: 'f32',
  batch,
  stage,
  rtfx,
  wall_s: 1,
});

describe('chartGroups', () => {
  it('groups end-to-end records per model × dtype and skips other stages', () => {
    const groups = chartGroups([
      record('verbatim', 'tiny', 1, 30),
      record('verbatim', 'tiny', 1, 99, 'encoder'),
      record('whisper.cpp', 'tiny', 1, 20),
      record('verbatim', 'base', 4, 12),
    ]);
    expect(groups).toEqual([
      {
        label: 'tiny f32',
        bars: [
          { name: 'verbatim b1', rtfx: 30 },
          { name: 'whisper.cpp b1', rtfx: 20 },
        ],
      },
      { label: 'base f32', bars: [{ name: 'verbatim b4', rtfx: 12 }] },
    ]);
  });
});

describe('rtfxChartSvg', () => {
  it('draws one bar per record, the longest full width, and says when a panel has no results', () => {
    const svg = rtfxChartSvg([
      {
        title: 'CPU',
        note: 'n',
        groups: chartGroups([record('verbatim', 'tiny', 1, 30), record('whisper.cpp', 'tiny', 1, 15)]),
      },
      { title: 'GPU <none>', note: 'n', groups: [] },
    ]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<rect x=/g)).toHaveLength(2);
    expect(svg).toContain('width="490.0"');
    expect(svg).toContain('width="245.0"');
    expect(svg).toContain('30.0×');
    expect(svg).toContain('GPU &lt;none&gt;');
    expect(svg).toContain('no results yet');
  });
});

describe('gpuTable', () => {
  it('puts ours next to transformers of the same model and batch, with the ratio and both peaks', () => {
    const gpu = (impl: string, model: string, batch: number, rtfx: number, peak: number, stage = 'e2e') => ({
      ...record(impl, model, batch, rtfx, stage),
      backend: 'cuda',
      peak_mem_bytes: peak,
    });
    const table = gpuTable(
      [
        gpu('verbatim', 'tiny', 64, 11261.4, 2 ** 31),
        gpu('verbatim', 'large-v3', 16, 409, 3 * 2 ** 30),
        gpu('transformers', 'tiny', 64, 99999, 2 ** 30, 'encoder'),
        gpu('transformers', 'tiny', 64, 8276.1, 2 ** 30),
      ],
      'run-gpu.json',
      { commit: 'abc', command: 'bash go.sh' },
    );
    expect(table).toContain('`results/run-gpu.json`, commit abc; reproduce: `bash go.sh`');
    expect(table).toContain('| tiny | 64 | 11261× | 8276× | 1.36× | 2.00 / 1.00 |');
    expect(table).toContain('| large-v3 | 16 | 409× | ? | ? | 3.00 / ? |');
    expect(gpuTable([], undefined, undefined)).toBe('No GPU run yet.');
  });
});

describe('a GPU run whose sides alternated', () => {
  const comparisons = [
    {
      model: 'tiny',
      batch: 64,
      pairs: 2,
      verbatim_rtfx: 11824.5,
      transformers_rtfx: 8276.1,
      ratio_median: 1.429,
      ratio_min: 1.361,
      ratio_max: 1.497,
      peak_gib_ours: 1.655,
      peak_gib_theirs: 0.958,
    },
  ];
  it('reports the median ratio, its range and the number of pairs', () => {
    const table = gpuTable([], 'run-gpu.json', { commit: 'abc', command: 'go', comparisons });
    expect(table).toContain('| tiny | 64 | 11825× | 8276× | 1.43× (1.36–1.50) | 2 | 1.66 / 0.96 |');
  });
  it('draws one bar per side at its median', () => {
    expect(chartGroups(gpuChartRecords([], comparisons))).toEqual([
      {
        label: 'tiny f16',
        bars: [
          { name: 'verbatim b64', rtfx: 11824.5 },
          { name: 'transformers b64', rtfx: 8276.1 },
        ],
      },
    ]);
  });
});

describe('newest', () => {
  it('takes the newest run of a kind, passing over runs marked superseded', () => {
    const dir = mkdtempSync(join(tmpdir(), 'report-newest-'));
    try {
      const write = (name: string, run: object) => writeFileSync(join(dir, name), JSON.stringify(run));
      write('2026-01-01T00-00-00-h100-gpu.json', { commit: 'a' });
      write('2026-01-02T00-00-00-h100-gpu.json', { commit: 'b' });
      write('2026-01-03T00-00-00-h100-gpu.json', { commit: 'c', superseded: 'reverted in d' });
      write('2026-01-04T00-00-00-bench-full.json', { commit: 'e' });
      expect(newest(dir, '-gpu.json')).toEqual({
        name: '2026-01-02T00-00-00-h100-gpu.json',
        run: { commit: 'b' },
      });
      expect(newest(dir, '-bench-full.json')?.run).toEqual({ commit: 'e' });
      write('2026-01-02T00-00-00-h100-gpu.json', { commit: 'b', superseded: 'also' });
      write('2026-01-01T00-00-00-h100-gpu.json', { commit: 'a', superseded: 'too' });
      expect(newest(dir, '-gpu.json')).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
