import { describe, expect, it } from 'vitest';
import { decodeFramesToMono, wavSampleEncoding } from './wav-samples.js';

describe('decodeFramesToMono', () => {
  const S16 = wavSampleEncoding(1, 16)!;
  const values = [-32768, -32767, -12345, -1, 0, 1, 2, 12345, 32766, 32767];

  /** `values` as little-endian 16-bit frames of `channels` equal channels, after `pad` bytes. */
  function frames(channels: number, pad: number): DataView {
    const view = new DataView(new ArrayBuffer(pad + values.length * channels * 2));
    values.forEach((value, frame) => {
      for (let channel = 0; channel < channels; channel++)
        view.setInt16(pad + (frame * channels + channel) * 2, value, true);
    });
    return view;
  }

  it('decodes 16-bit mono (its own loop) exactly as the general path decodes the same samples in stereo', () => {
    const mono = decodeFramesToMono(frames(1, 0), 0, values.length, 1, S16);
    const stereo = decodeFramesToMono(frames(2, 0), 0, values.length, 2, S16);
    expect(Array.from(mono)).toEqual(Array.from(stereo));
    expect(Array.from(mono)).toEqual(values.map((value) => Math.fround(value / 32768)));
  });

  it('reads 16-bit mono from an odd byte offset, and only the frames asked for', () => {
    const mono = decodeFramesToMono(frames(1, 3), 3, values.length - 1, 1, S16);
    expect(Array.from(mono)).toEqual(values.slice(0, -1).map((value) => Math.fround(value / 32768)));
  });
});
