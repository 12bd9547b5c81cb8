import { describe, expect, it } from 'vitest';
import {
  bfloat16BitsToNumber,
  decodeValues,
  encodeValues,
  float16BitsToNumber,
  float32BitsToBfloat16Bits,
  float32BitsToFloat16Bits,
} from './float-encoding.js';

const bitsOf = (value: number) => new Uint32Array(new Float32Array([value]).buffer)[0]!;

describe('float32 to float16', () => {
  // Expected bits from numpy's astype(np.float16); the generator was also checked against numpy for every float32
  // of exponents 0, 100…113, 127, 140…143 (both signs), which covers subnormals, the normal boundary and overflow.
  it.each([
    ['one', 1, 0x3c00],
    ['largest finite', 65504, 0x7bff],
    ['just below the overflow tie', 65519.99, 0x7bff],
    ['the overflow tie (to even: infinity)', 65520, 0x7c00],
    ['overflow', 1e6, 0x7c00],
    ['negative overflow', -1e6, 0xfc00],
    ['tie to even (down)', 1 + 2 ** -11, 0x3c00],
    ['tie to even (up)', 1 + 3 * 2 ** -11, 0x3c02],
    ['smallest subnormal', 2 ** -24, 0x0001],
    ['half the smallest subnormal (tie to zero)', 2 ** -25, 0x0000],
    ['three quarters of the smallest subnormal', 0.75 * 2 ** -24, 0x0001],
    ['subnormal tie (to even: 2)', 1.5 * 2 ** -24, 0x0002],
    ['subnormal tie (to even: 2, down)', 2.5 * 2 ** -24, 0x0002],
    ['largest subnormal', 1023 * 2 ** -24, 0x03ff],
    ['tie between largest subnormal and smallest normal', 1023.5 * 2 ** -24, 0x0400],
    ['smallest normal', 2 ** -14, 0x0400],
    ['float32 subnormal', 1e-40, 0x0000],
    ['negative zero', -0, 0x8000],
    ['negative tiny', -(2 ** -25), 0x8000],
    ['0.1', 0.1, 0x2e66],
  ])('%s', (_, value, expected) => {
    expect(float32BitsToFloat16Bits(bitsOf(value))).toBe(expected);
  });

  it('keeps infinities and makes NaN a quiet NaN', () => {
    expect(float32BitsToFloat16Bits(bitsOf(Infinity))).toBe(0x7c00);
    expect(float32BitsToFloat16Bits(bitsOf(-Infinity))).toBe(0xfc00);
    expect(float32BitsToFloat16Bits(0x7fc00000)).toBe(0x7e00);
  });

  it('decodes binary16 exactly', () => {
    expect(float16BitsToNumber(0x3c00)).toBe(1);
    expect(float16BitsToNumber(0x0001)).toBe(2 ** -24);
    expect(float16BitsToNumber(0x7bff)).toBe(65504);
    expect(float16BitsToNumber(0xfc00)).toBe(-Infinity);
  });
});

describe('float32 to bfloat16', () => {
  it.each([
    ['one', 0x3f800000, 0x3f80],
    ['tie to even (down)', 0x3f808000, 0x3f80],
    ['tie to even (up)', 0x3f818000, 0x3f82],
    ['above the tie', 0x3f808001, 0x3f81],
    ['largest float32 overflows to infinity', 0x7f7fffff, 0x7f80],
    ['subnormal tie', 0x00008000, 0x0000],
    ['subnormal tie up', 0x00018000, 0x0002],
    ['negative', 0xbf800000, 0xbf80],
    ['infinity', 0x7f800000, 0x7f80],
    ['NaN stays NaN', 0x7f800001, 0x7fc0],
  ])('%s', (_, word, expected) => {
    expect(float32BitsToBfloat16Bits(word)).toBe(expected);
  });

  it('decodes bfloat16 exactly', () => {
    expect(bfloat16BitsToNumber(0x3f80)).toBe(1);
    expect(bfloat16BitsToNumber(0xc000)).toBe(-2);
  });
});

describe('encodeValues', () => {
  it('writes little-endian f32 (as a view), f16 and bf16, and decodes them back', () => {
    const values = new Float32Array([1, -2, 0.1]);
    const f32 = encodeValues(values, 'f32');
    expect([...f32]).toEqual([0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0, 0xcd, 0xcc, 0xcc, 0x3d]);
    expect(f32.buffer).toBe(values.buffer);
    expect([...encodeValues(values, 'f16')]).toEqual([0x00, 0x3c, 0x00, 0xc0, 0x66, 0x2e]);
    expect([...encodeValues(values, 'bf16')]).toEqual([0x80, 0x3f, 0x00, 0xc0, 0xcd, 0x3d]);
    expect([...decodeValues(encodeValues(values, 'f16'), 'f16')]).toEqual([
      1,
      -2,
      float16BitsToNumber(0x2e66),
    ]);
    expect([...decodeValues(encodeValues(values, 'bf16'), 'bf16')]).toEqual([
      1,
      -2,
      bfloat16BitsToNumber(0x3dcd),
    ]);
  });
});
