import { describe, expect, it } from 'vitest';
import {
  CALIBRATION_RULES,
  CALIBRATIONS,
  computeKernel,
  hostIdentifyingFigures,
  kernelRuns,
  memoryKernel,
} from './calibration.mjs';

describe('calibration kernels', () => {
  it('compute the same checksum every run, so that no run can be skipped or differ in work', () => {
    expect(computeKernel()).toBe(computeKernel());
    expect(Number.isFinite(computeKernel())).toBe(true);
    // the copy's last marked element: index 8 Mi − 1024 holds its own index
    expect(memoryKernel()).toBe(8 * 1024 * 1024 - 1024);
  });

  it('tell the host by the compute floor and the median memory run; divide SIMD stages by the floor', () => {
    expect(CALIBRATIONS.compute.host).toBe('least');
    expect(CALIBRATIONS.memory.host).toBe('median');
    expect(CALIBRATIONS.compute.identifiesHost).toBe(true);
    expect(CALIBRATIONS.memory.identifiesHost).toBe(false);
    expect(hostIdentifyingFigures({ compute: 4.85, memory: 3.89 })).toEqual({ compute: 4.85 });
    expect(hostIdentifyingFigures(undefined)).toBeUndefined();
    expect(CALIBRATION_RULES.simd).toEqual({ kernel: 'compute', divide: 'floor' });
    expect(CALIBRATION_RULES.scalar).toEqual({ kernel: 'compute', divide: 'around each call' });
    expect(CALIBRATION_RULES.bandwidth).toEqual({ kernel: 'memory', divide: 'around each call' });
  });

  it('time each kernel the given number of runs, one CPU reading before and after each', () => {
    let clock = 0;
    const runs = kernelRuns(() => {
      clock += 1.5;
      return clock;
    }, 4);
    expect(runs.compute).toEqual([1.5, 1.5, 1.5, 1.5]);
    expect(runs.memory).toEqual([1.5, 1.5, 1.5, 1.5]);
  });
});
