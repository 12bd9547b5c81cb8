import { describe, expect, it } from 'vitest';
import { ComplexFft } from './fft.js';

/** Direct O(n²) DFT in float64, the definition the FFT must match. */
function naiveDft(re: Float64Array, im: Float64Array): [Float64Array, Float64Array] {
  const n = re.length;
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  for (let f = 0; f < n; f++) {
    for (let t = 0; t < n; t++) {
      const angle = (-2 * Math.PI * ((f * t) % n)) / n;
      outRe[f]! += re[t]! * Math.cos(angle) - im[t]! * Math.sin(angle);
      outIm[f]! += re[t]! * Math.sin(angle) + im[t]! * Math.cos(angle);
    }
  }
  return [outRe, outIm];
}

describe('ComplexFft', () => {
  // 400 = 4·4·5·5 (the log-mel's size); others reach the radix-2, radix-3 and generic prime paths.
  it.each([1, 2, 3, 4, 5, 7, 12, 16, 25, 30, 49, 400])('matches the direct DFT for size %d', (size) => {
    const re = Float64Array.from({ length: size }, (_, i) => Math.sin(i * 1.7) + 0.25 * Math.cos(i * 0.3));
    const im = Float64Array.from({ length: size }, (_, i) => Math.cos(i * 2.3) - 0.5);
    const [expectedRe, expectedIm] = naiveDft(re, im);
    const fft = new ComplexFft(size);
    fft.transform(re, im);
    for (let f = 0; f < size; f++) {
      expect(Math.abs(re[f]! - expectedRe[f]!)).toBeLessThan(1e-11);
      expect(Math.abs(im[f]! - expectedIm[f]!)).toBeLessThan(1e-11);
    }
  });

  it('is reusable: a second transform of the same input gives the same output', () => {
    const fft = new ComplexFft(400);
    const make = (): [Float64Array, Float64Array] => [
      Float64Array.from({ length: 400 }, (_, i) => Math.sin(i)),
      new Float64Array(400),
    ];
    const [re1, im1] = make();
    const [re2, im2] = make();
    fft.transform(re1, im1);
    fft.transform(re2, im2);
    expect(re2).toEqual(re1);
    expect(im2).toEqual(im1);
  });
});
