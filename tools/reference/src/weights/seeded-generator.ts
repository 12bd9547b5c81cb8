/**
 * The counter-based generator of tools/reference/WEIGHTS.md: every value is a pure function of (seed, tensor name,
 * element index), computed with wrapping 32-bit integer arithmetic and float32 rounding only, so this file and
 * python/seeded_weights.py produce byte-identical tensors. All functions are pure and thread-safe.
 */

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** Salts separating the seed word and the second key word from the name hash ("Keys" in WEIGHTS.md). */
const SEED_SALT = 0x9e3779b9;
const SECOND_KEY_SALT = 0x7f4a7c15;
const FMIX_MULTIPLIER_1 = 0x85ebca6b;
const FMIX_MULTIPLIER_2 = 0xc2b2ae35;
/** 24 random bits per element: (m - 2^23) / 2^23 is exactly representable in float32. */
const UNIFORM_SHIFT = 8;
const UNIFORM_HALF_RANGE = 2 ** 23;
const UNIFORM_STEP = 2 ** -23;
/** Element indices are 32-bit: 4294967296 elements at most per tensor (the largest Whisper tensor has 66 M). */
export const MAX_TENSOR_ELEMENTS = 2 ** 32;
export const MAX_SEED = 2 ** 32 - 1;

const utf8 = new TextEncoder();

/** FNV-1a, 32-bit, over the UTF-8 bytes of `text`. */
export function fnv1a32(text: string): number {
  let hash = FNV_OFFSET_BASIS;
  for (const byte of utf8.encode(text)) hash = Math.imul(hash ^ byte, FNV_PRIME);
  return hash >>> 0;
}

/** MurmurHash3's 32-bit finaliser. Takes and returns an unsigned 32-bit integer. */
export function fmix32(word: number): number {
  let x = word | 0;
  x ^= x >>> 16;
  x = Math.imul(x, FMIX_MULTIPLIER_1);
  x ^= x >>> 13;
  x = Math.imul(x, FMIX_MULTIPLIER_2);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The two key words of one tensor. Throws RangeError unless 0 <= seed < 2^32 is an integer. */
export function tensorKeys(seed: number, name: string): readonly [number, number] {
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new RangeError(`[tensorKeys] seed must be an integer in [0, 2^32), got ${seed}`);
  }
  const k0 = fmix32(fnv1a32(name) ^ fmix32(seed ^ SEED_SALT));
  return [k0, fmix32(k0 ^ SECOND_KEY_SALT)];
}

/** The 32-bit word of element `index`: fmix32(fmix32(index + k0) ^ k1). */
export function elementBits(seed: number, name: string, index: number): number {
  const [k0, k1] = tensorKeys(seed, name);
  return fmix32(fmix32(index + k0) ^ k1);
}

/** The uniform value of a word: its top 24 bits m as (m - 2^23) / 2^23, in [-1, 1). */
export function uniformFromBits(bits: number): number {
  return ((bits >>> UNIFORM_SHIFT) - UNIFORM_HALF_RANGE) * UNIFORM_STEP;
}

/** std·√3 rounded to float32: uniform values on [-1, 1) times this have standard deviation `std`. */
export function uniformScale(std: number): number {
  return Math.fround(std * Math.sqrt(3));
}

/**
 * Fills `out` with elements [start, start + out.length) of the tensor `name`: float32(mean + float32(u · scale)),
 * u uniform on [-1, 1). Throws RangeError for elements outside [0, 2^32).
 */
export function fillUniform(
  seed: number,
  name: string,
  init: { readonly mean: number; readonly std: number },
  start: number,
  out: Float32Array,
): void {
  if (!Number.isInteger(start) || start < 0 || start + out.length > MAX_TENSOR_ELEMENTS) {
    throw new RangeError(`[fillUniform] elements [${start}, ${start + out.length}) are outside [0, 2^32)`);
  }
  const [k0, k1] = tensorKeys(seed, name);
  const scale = uniformScale(init.std);
  const mean = init.mean;
  const length = out.length;
  // fmix32 is written out twice so the loop stays in int32 registers; see fmix32 above for the named steps.
  for (let j = 0; j < length; j++) {
    let x = (start + j + k0) | 0;
    x ^= x >>> 16;
    x = Math.imul(x, FMIX_MULTIPLIER_1);
    x ^= x >>> 13;
    x = Math.imul(x, FMIX_MULTIPLIER_2);
    x ^= x >>> 16;
    x ^= k1;
    x ^= x >>> 16;
    x = Math.imul(x, FMIX_MULTIPLIER_1);
    x ^= x >>> 13;
    x = Math.imul(x, FMIX_MULTIPLIER_2);
    x ^= x >>> 16;
    // The product of two float32 values is exact in a double, so fround gives float32's own rounding; the sum
    // with mean (0 or 1) is exact too and is rounded once by the Float32Array store.
    out[j] = mean + Math.fround(((x >>> UNIFORM_SHIFT) - UNIFORM_HALF_RANGE) * UNIFORM_STEP * scale);
  }
}
