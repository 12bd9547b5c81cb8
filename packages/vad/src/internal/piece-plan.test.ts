import { describe, expect, it } from 'vitest';
import { pieceStartWindows } from './piece-plan.js';

/** Deterministic noise in [-0.5, 0.5) (a 32-bit LCG), `windows` × 512 samples. */
function noise(windows: number): Float32Array {
  let seed = 12345;
  return Float32Array.from({ length: windows * 512 }, () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32 - 0.5;
  });
}

describe('pieceStartWindows', () => {
  it('cuts at the quietest window within the search range before each nominal cut', () => {
    const samples = noise(3000);
    // A silent window at 930 (in 876…938) and a quieter-than-noise one at 1850 (in 1814…1876).
    samples.fill(0, 930 * 512, 931 * 512);
    for (let i = 1850 * 512; i < 1851 * 512; i++) samples[i]! *= 0.01;
    // Silent windows just outside the third range (2752…2814) are not candidates.
    samples.fill(0, 2751 * 512, 2752 * 512);
    samples.fill(0, 2815 * 512, 2816 * 512);
    const starts = pieceStartWindows(samples, 3000, 938, 62);
    expect(starts.slice(0, 3)).toEqual([0, 930, 1850]);
    expect(starts).toHaveLength(4);
    expect(starts[3]).toBeGreaterThanOrEqual(2752);
    expect(starts[3]).toBeLessThanOrEqual(2814);
  });

  it('takes the nominal cut (the latest window) when the range is uniformly loud or silent', () => {
    expect(pieceStartWindows(new Float32Array(3000 * 512).fill(0.1), 3000, 938, 62)).toEqual([
      0, 938, 1876, 2814,
    ]);
    expect(pieceStartWindows(new Float32Array(3000 * 512), 3000, 938, 62)).toEqual([0, 938, 1876, 2814]);
  });

  it('makes one piece when the signal is no longer than a piece, or pieces are infinite', () => {
    expect(pieceStartWindows(new Float32Array(938 * 512), 938, 938, 62)).toEqual([0]);
    expect(pieceStartWindows(new Float32Array(5000 * 512), 5000, Number.POSITIVE_INFINITY, 62)).toEqual([0]);
    expect(pieceStartWindows(new Float32Array(0), 0, 938, 62)).toEqual([0]);
  });

  it('reads a last window shorter than 512 samples without running past the signal', () => {
    const samples = new Float32Array(939 * 512 - 500).fill(0.1);
    expect(pieceStartWindows(samples, 939, 938, 62)).toEqual([0, 938]);
  });
});
