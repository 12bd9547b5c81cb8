import { describe, expect, it } from 'vitest';
import {
  baselineFrom,
  compareWithBaseline,
  formatGateReport,
  HOST_SPEED_TOLERANCE,
  hostMatches,
  roundRatios,
} from './gate.mjs';
import { median } from './stats.mjs';

describe('median', () => {
  it('takes the middle value, or the mean of the two middle values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('roundRatios', () => {
  it('divides each round by its own calibration', () => {
    expect(roundRatios([10, 30], [5, 10])).toEqual([2, 3]);
  });
  it('refuses mismatched or non-positive rounds', () => {
    expect(() => roundRatios([1, 2], [1])).toThrow(/2 stage rounds against 1/);
    expect(() => roundRatios([1], [0])).toThrow(/round 0/);
    expect(() => roundRatios([], [])).toThrow();
  });
});

describe('compareWithBaseline', () => {
  const baseline = baselineFrom([
    [
      { stage: 'encoder', roundRatios: [10, 10.4, 9.8] },
      { stage: 'mel-ts', roundRatios: [2, 2, 2] },
    ],
    [
      { stage: 'mel-ts', roundRatios: [2.2] },
      { stage: 'encoder', roundRatios: [11, 12, 13] },
    ],
    [
      { stage: 'encoder', roundRatios: [9, 9.5, 9.5] },
      { stage: 'mel-ts', roundRatios: [1.9] },
    ],
  ]);

  it("stores per stage the median over runs of each run's median round, with the default 15% threshold", () => {
    expect(baseline.threshold).toBe(0.15);
    expect(baseline.stages.encoder).toEqual({ ratio: 10, run_ratios: [10, 12, 9.5] });
    expect(baseline.stages['mel-ts']?.ratio).toBe(2);
  });

  it('refuses runs that lack a stage', () => {
    expect(() =>
      baselineFrom([[{ stage: 'a', roundRatios: [1] }], [{ stage: 'b', roundRatios: [1] }]]),
    ).toThrow(/run 1 has no stage a/);
  });

  it('passes within the threshold and fails beyond it, naming the stage', () => {
    const ok = compareWithBaseline(baseline, [
      { stage: 'encoder', roundRatios: [11.4, 11.2, 30] },
      { stage: 'mel-ts', roundRatios: [2.1, 1.9, 2] },
    ]);
    expect(ok.passed).toBe(true);
    const slow = compareWithBaseline(baseline, [
      { stage: 'encoder', roundRatios: [13, 13.1, 12.9] },
      { stage: 'mel-ts', roundRatios: [2, 2, 2] },
    ]);
    expect(slow.passed).toBe(false);
    expect(slow.rows.find((row) => row.stage === 'encoder')).toMatchObject({ status: 'slower' });
    expect(slow.rows.find((row) => row.stage === 'encoder')?.change).toBeCloseTo(0.3, 10);
    const text = formatGateReport(slow, 3);
    expect(text).toContain('stage "encoder" is 30.0% slower');
    expect(text.split('\n').at(-1)).toMatch(/^bench gate: FAIL — encoder /);
    expect(formatGateReport(ok, 3).split('\n').at(-1)).toMatch(/^bench gate: PASS/);
  });

  it('is robust to one outlier round: the median decides', () => {
    const result = compareWithBaseline(baseline, [
      { stage: 'encoder', roundRatios: [10, 50, 10.1, 9.9, 10.2] },
      { stage: 'mel-ts', roundRatios: [2, 2, 2, 9, 2] },
    ]);
    expect(result.passed).toBe(true);
  });

  it('fails on a stage the run did not measure; reports new stages and improvements without failing', () => {
    const missing = compareWithBaseline(baseline, [{ stage: 'encoder', roundRatios: [10] }]);
    expect(missing.passed).toBe(false);
    expect(formatGateReport(missing, 1)).toContain('stage "mel-ts" of the baseline was not measured');
    const better = compareWithBaseline(baseline, [
      { stage: 'encoder', roundRatios: [5] },
      { stage: 'mel-ts', roundRatios: [2] },
      { stage: 'vad', roundRatios: [1] },
    ]);
    expect(better.passed).toBe(true);
    expect(better.rows.map((row) => row.status)).toEqual(['faster', 'ok', 'new']);
  });

  it('takes an explicit threshold over the baseline one', () => {
    const run = [
      { stage: 'encoder', roundRatios: [11] },
      { stage: 'mel-ts', roundRatios: [2] },
    ];
    expect(compareWithBaseline(baseline, run).passed).toBe(true);
    expect(compareWithBaseline(baseline, run, 0.05).passed).toBe(false);
  });
});

describe('hostMatches', () => {
  const baseline = { compute: 5, memory: 3 };

  it('accepts a host whose every kernel is within the tolerance either way', () => {
    expect(HOST_SPEED_TOLERANCE).toBe(1.4);
    expect(hostMatches(baseline, { compute: 5 * 1.39, memory: 3 / 1.39 }).matches).toBe(true);
    expect(hostMatches(baseline, { compute: 5, memory: 3 }).matches).toBe(true);
  });

  it('refuses a host that is slower or faster on any one kernel, naming both speeds', () => {
    const slowMemory = hostMatches(baseline, { compute: 5, memory: 3 * 1.41 });
    expect(slowMemory.matches).toBe(false);
    expect(slowMemory.why).toBe(
      'compute kernel 5.00 ms here, 5.00 ms in the baseline; memory kernel 4.23 ms here, 3.00 ms in the baseline',
    );
    // The session-12 case: the same code, a CI host whose compute kernel took 1.8× the baseline's.
    expect(hostMatches({ compute: 3.3 }, { compute: 6.0, memory: 3 }).matches).toBe(false);
    expect(hostMatches(baseline, { compute: 5 / 1.5, memory: 3 }).matches).toBe(false);
  });

  it('refuses a run that lacks a kernel, and a baseline that records no speeds', () => {
    expect(hostMatches(baseline, { compute: 5 }).matches).toBe(false);
    expect(hostMatches(undefined, { compute: 5, memory: 3 })).toEqual({
      matches: false,
      why: 'the baseline records no host speed',
    });
    expect(hostMatches({}, { compute: 5 }).matches).toBe(false);
  });
});
