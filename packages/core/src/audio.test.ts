import { describe, expect, it } from 'vitest';
import { firstNonFinite } from './audio.js';

describe('firstNonFinite', () => {
  it('finds the first NaN or infinity, and -1 when every sample is finite', () => {
    expect(firstNonFinite(Float32Array.of(0, -1, 1, 3.4e38, -3.4e38, 1e-45))).toBe(-1);
    expect(firstNonFinite(new Float32Array(0))).toBe(-1);
    expect(firstNonFinite(Float32Array.of(0, Number.NaN, Number.POSITIVE_INFINITY))).toBe(1);
    expect(firstNonFinite(Float32Array.of(0, 0, Number.POSITIVE_INFINITY))).toBe(2);
    expect(firstNonFinite(Float32Array.of(Number.NEGATIVE_INFINITY))).toBe(0);
  });
});
