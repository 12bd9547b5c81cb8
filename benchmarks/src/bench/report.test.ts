import { describe, expect, it } from 'vitest';
import { chartGroups, rtfxChartSvg } from './report.mjs';

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
