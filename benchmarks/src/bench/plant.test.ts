import { describe, expect, it } from 'vitest';
import { plantedFactor } from './plant.mjs';

describe('plantedFactor', () => {
  it('is 1 without a plan and for stages it does not name', () => {
    expect(plantedFactor(undefined, 'encoder/tiny/f32')).toBe(1);
    expect(plantedFactor('', 'encoder/tiny/f32')).toBe(1);
    expect(plantedFactor('vad=2', 'encoder/tiny/f32')).toBe(1);
  });
  it('matches stage ids by prefix, the first entry that applies', () => {
    expect(plantedFactor('encoder=1.3', 'encoder/tiny/f32')).toBe(1.3);
    expect(plantedFactor('vad=2, mel-ts=1.5', 'mel-ts')).toBe(1.5);
  });
  it('refuses a factor below 1 or not a number', () => {
    expect(() => plantedFactor('encoder=0.5', 'encoder/tiny/f32')).toThrow(/factor >= 1/);
    expect(() => plantedFactor('encoder=fast', 'encoder/tiny/f32')).toThrow(/factor >= 1/);
  });
});
