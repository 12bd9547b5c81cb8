/**
 * Storage dtypes of seeded tensors and their encodings from float32: f16 and bf16 round to nearest, ties to even,
 * exactly as numpy's `astype(np.float16)` and the usual bf16 rounding do (WEIGHTS.md, "Dtypes"). Little-endian.
 */

export const DTYPES = ['f32', 'f16', 'bf16'] as const;
export type Dtype = (typeof DTYPES)[number];

export function isDtype(value: string): value is Dtype {
  return (DTYPES as readonly string[]).includes(value);
}

export function bytesPerElement(dtype: Dtype): number {
  return dtype === 'f32' ? 4 : 2;
}

const F16_INFINITY = 0x7c00;
const F16_QUIET_NAN = 0x7e00;
const BF16_QUIET_NAN = 0x7fc0;

/** float32 exponent bias minus binary16's: 127 - 15. */
const EXPONENT_REBIAS = 112;
const F16_MAX_EXPONENT = 0x1f;
/** A rebiased exponent below -10 means less than half the smallest subnormal (2^-25): the result rounds to zero. */
const F16_MIN_SUBNORMAL_EXPONENT = -10;

/**
 * IEEE binary16 bits of the float32 with bits `word` (signed or unsigned), rounded to nearest even; overflow gives
 * ±infinity, NaN a quiet NaN. Rounding is branch-free (add just under half a unit plus the kept lowest bit, then
 * shift): random weights make a rounding branch unpredictable.
 */
export function float32BitsToFloat16Bits(word: number): number {
  const sign = (word >>> 16) & 0x8000;
  const exponent = (word >>> 23) & 0xff;
  const mantissa = word & 0x7fffff;
  const halfExponent = exponent - EXPONENT_REBIAS;
  if (halfExponent > 0 && halfExponent < F16_MAX_EXPONENT) {
    // A carry out of the mantissa moves into the exponent, up to infinity: the right result in both cases.
    const unrounded = (halfExponent << 23) | mantissa;
    return sign | ((unrounded + 0xfff + ((unrounded >>> 13) & 1)) >>> 13);
  }
  if (exponent === 0xff) return sign | (mantissa === 0 ? F16_INFINITY : F16_QUIET_NAN);
  if (halfExponent >= F16_MAX_EXPONENT) return sign | F16_INFINITY;
  if (halfExponent < F16_MIN_SUBNORMAL_EXPONENT) return sign;
  // Subnormal (or zero) result: value = significand · 2^(exponent - 150) = h · 2^-24, h = significand >> shift.
  const significand = mantissa | 0x800000;
  const shift = 14 - halfExponent;
  return sign | ((significand + ((1 << (shift - 1)) - 1) + ((significand >>> shift) & 1)) >>> shift);
}

/** bfloat16 bits of the float32 with bits `word`: the top half, rounded to nearest even. */
export function float32BitsToBfloat16Bits(word: number): number {
  if ((word & 0x7f800000) === 0x7f800000 && (word & 0x7fffff) !== 0)
    return ((word >>> 16) & 0x8000) | BF16_QUIET_NAN;
  return (word + 0x7fff + ((word >>> 16) & 1)) >>> 16;
}

/** The float value of binary16 bits (exact). */
export function float16BitsToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : Number.NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

const bfloat16Scratch = new Uint32Array(1);
const bfloat16ScratchValue = new Float32Array(bfloat16Scratch.buffer);

/** The float value of bfloat16 bits (exact). */
export function bfloat16BitsToNumber(bits: number): number {
  bfloat16Scratch[0] = bits << 16;
  return bfloat16ScratchValue[0]!;
}

/** Typed arrays use the platform's byte order; every format written here is little-endian. */
const PLATFORM_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Little-endian bytes of `values` in `dtype`. f32 returns a view of `values` itself, not a copy. Throws Error on a
 * big-endian platform.
 */
export function encodeValues(values: Float32Array, dtype: Dtype): Uint8Array {
  if (!PLATFORM_IS_LITTLE_ENDIAN) throw new Error('[encodeValues] big-endian platforms are not supported');
  if (dtype === 'f32') return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  // Signed words stay small integers in V8; unsigned ones at or above 2^31 (every negative value) become doubles.
  const words = new Int32Array(values.buffer, values.byteOffset, values.length);
  const halves = new Uint16Array(values.length);
  // One loop per dtype keeps each call site monomorphic, so V8 inlines the conversion.
  if (dtype === 'f16') for (let i = 0; i < words.length; i++) halves[i] = float32BitsToFloat16Bits(words[i]!);
  else for (let i = 0; i < words.length; i++) halves[i] = float32BitsToBfloat16Bits(words[i]!);
  return new Uint8Array(halves.buffer);
}

/** float32 values of stored little-endian bytes (for reading files back). */
export function decodeValues(bytes: Uint8Array, dtype: Dtype): Float32Array {
  const count = bytes.byteLength / bytesPerElement(dtype);
  const copy = bytes.slice();
  if (dtype === 'f32') return new Float32Array(copy.buffer, 0, count);
  const halves = new Uint16Array(copy.buffer, 0, count);
  const toNumber = dtype === 'f16' ? float16BitsToNumber : bfloat16BitsToNumber;
  return Float32Array.from(halves, toNumber);
}
