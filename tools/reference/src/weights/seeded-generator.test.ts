import { describe, expect, it } from 'vitest';
import {
  elementBits,
  fillUniform,
  fmix32,
  fnv1a32,
  tensorKeys,
  uniformFromBits,
  uniformScale,
} from './seeded-generator.js';
import { tensorChunks, tensorValues } from './seeded-tensor.js';
import { tensorByHfName } from './whisper-tensors.js';

// An independent BigInt rendering of WEIGHTS.md's formulas, to check the int32 tricks of the fast path.
const MASK = (1n << 32n) - 1n;
function fmixReference(word: bigint): bigint {
  let x = word & MASK;
  x ^= x >> 16n;
  x = (x * 0x85ebca6bn) & MASK;
  x ^= x >> 13n;
  x = (x * 0xc2b2ae35n) & MASK;
  return x ^ (x >> 16n);
}
function bitsReference(seed: number, name: string, index: number): number {
  let hash = 0x811c9dc5n;
  for (const byte of new TextEncoder().encode(name)) hash = ((hash ^ BigInt(byte)) * 0x01000193n) & MASK;
  const k0 = fmixReference(hash ^ fmixReference(BigInt(seed) ^ 0x9e3779b9n));
  const k1 = fmixReference(k0 ^ 0x7f4a7c15n);
  return Number(fmixReference(fmixReference(BigInt(index) + k0) ^ k1));
}

const EMBED = 'model.decoder.embed_tokens.weight';
const f32Bits = (values: Float32Array) => [
  ...new Uint32Array(values.buffer, values.byteOffset, values.length),
];

describe('hash primitives', () => {
  it('computes FNV-1a 32 of UTF-8 bytes', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32(EMBED)).toBe(0x857f28b0);
  });

  it('computes murmur3 fmix32', () => {
    expect([0, 1, 0xffffffff, 0x12345678].map(fmix32)).toEqual([0, 0x514e28b7, 0x81f16f39, 0xe37cd1bc]);
  });

  it('derives the key words recorded from the Python implementation', () => {
    expect(tensorKeys(1234, EMBED)).toEqual([0xdd77627a, 0xb0fbc052]);
    expect(() => tensorKeys(-1, EMBED)).toThrow(RangeError);
    expect(() => tensorKeys(2 ** 32, EMBED)).toThrow(RangeError);
  });

  it('agrees with a BigInt implementation, including indices near 2^32 and the largest seed', () => {
    const cases: [number, string, number][] = [
      [1234, EMBED, 0],
      [1234, EMBED, 1],
      [1234, EMBED, 2],
      [7, 'x', 2 ** 26 + 5],
      [0xffffffff, EMBED, 2 ** 32 - 1],
      [0, 'model.encoder.conv1.weight', 123_456_789],
    ];
    for (const [seed, name, index] of cases)
      expect(elementBits(seed, name, index)).toBe(bitsReference(seed, name, index));
    expect(elementBits(1234, EMBED, 0)).toBe(0x27a01635);
    expect(elementBits(7, 'x', 2 ** 26 + 5)).toBe(0xd6c035ca);
    expect(elementBits(0xffffffff, EMBED, 2 ** 32 - 1)).toBe(0x15c98c4d);
  });
});

describe('uniform values', () => {
  it('maps the top 24 bits exactly onto [-1, 1)', () => {
    expect(uniformFromBits(0)).toBe(-1);
    expect(uniformFromBits(0xffffffff)).toBe(1 - 2 ** -23);
    expect(uniformFromBits(0x80000000)).toBe(0);
    expect(uniformFromBits(0x000000ff)).toBe(-1);
    expect(Math.fround(uniformFromBits(0x12345678))).toBe(uniformFromBits(0x12345678));
  });

  it('scales by std·√3 rounded to float32', () => {
    expect(uniformScale(0.02)).toBe(Math.fround(0.034641016151377546));
    expect(new Uint32Array(new Float32Array([uniformScale(0.02)]).buffer)[0]).toBe(0x3d0de3bd);
  });

  it('reproduces values recorded from the Python implementation', () => {
    const embed = new Float32Array(3);
    fillUniform(1234, EMBED, { mean: 0, std: 0.02 }, 0, embed);
    expect(f32Bits(embed)).toEqual([0xbcc3edc9, 0x39bdf3ac, 0xbd0a3061]);
    const norm = tensorValues(
      1234,
      tensorByHfName('tiny', 'model.encoder.layers.0.self_attn_layer_norm.weight'),
    );
    expect(f32Bits(norm.subarray(0, 2))).toEqual([0x3f7bc520, 0x3f7824e9]);
  });

  it('gives any element independently of how the tensor is chunked', () => {
    const tensor = tensorByHfName('tiny', 'model.encoder.layers.1.fc1.weight');
    const whole = tensorValues(1234, tensor);
    const joined = new Float32Array(whole.length);
    let at = 0;
    for (const chunk of tensorChunks(1234, tensor, 100_003)) {
      joined.set(chunk, at);
      at += chunk.length;
    }
    // Compared as bytes: a failing toEqual would pretty-print 589824 numbers.
    expect(Buffer.from(joined.buffer).equals(Buffer.from(whole.buffer))).toBe(true);
    const middle = new Float32Array(5);
    fillUniform(1234, tensor.hfName, { mean: 0, std: 0.02 }, 500_000, middle);
    expect(middle).toEqual(whole.subarray(500_000, 500_005));
  });

  it('has the target mean and standard deviation, uncorrelated across elements, tensors and seeds', () => {
    const n = 1 << 20;
    const draw = (seed: number, name: string) => {
      const out = new Float32Array(n);
      fillUniform(seed, name, { mean: 0, std: 0.02 }, 0, out);
      return out;
    };
    const a = draw(1, EMBED);
    const mean = a.reduce((sum, v) => sum + v, 0) / n;
    const std = Math.sqrt(a.reduce((sum, v) => sum + (v - mean) ** 2, 0) / n);
    expect(Math.abs(mean)).toBeLessThan(1e-4);
    expect(std).toBeCloseTo(0.02, 4);
    const correlation = (x: Float32Array, y: Float32Array, lag = 0) => {
      let sum = 0;
      for (let i = 0; i + lag < n; i++) sum += x[i]! * y[i + lag]!;
      return sum / (n - lag) / 0.02 ** 2;
    };
    // 5 standard errors of a correlation over 2^20 samples: 5 / 1024.
    expect(Math.abs(correlation(a, a, 1))).toBeLessThan(5 / 1024);
    expect(Math.abs(correlation(a, draw(1, 'model.decoder.embed_positions.weight')))).toBeLessThan(5 / 1024);
    expect(Math.abs(correlation(a, draw(2, EMBED)))).toBeLessThan(5 / 1024);
  });
});
