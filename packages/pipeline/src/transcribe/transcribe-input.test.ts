import { describe, expect, it } from 'vitest';
import { inputSamples } from './transcribe-input.js';

describe('inputSamples', () => {
  it('refuses audio with a sample that is not finite, naming the sample and its value', async () => {
    await expect(inputSamples(Float32Array.of(0.5, 0, Number.NaN))).rejects.toThrow(
      'audio sample 2 is not finite: NaN',
    );
  });
});
