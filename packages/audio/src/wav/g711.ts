/**
 * ITU-T G.711 A-law and µ-law expansion to 16-bit linear PCM, computed from the standard's segment/mantissa layout
 * at module load rather than pasted as tables. Values match the reference expanders (Sun's g711.c, ffmpeg's
 * `pcm_alaw`/`pcm_mulaw` decoders): A-law peaks at ±32256, µ-law at ±32124.
 */

/** 256 codes in an 8-bit companded byte. */
const N_CODES = 256;
const SIGN_BIT = 0x80;
const SEGMENT_SHIFT = 4;
const SEGMENT_MASK = 0x07;
const MANTISSA_MASK = 0x0f;
/** A-law stores every other bit inverted (even-bit inversion) so idle lines carry transitions. */
const ALAW_INVERSION_MASK = 0x55;
/** µ-law's bias (33 in 14-bit units, 132 in the 16-bit scale) that makes the segments line up at zero. */
const MULAW_BIAS = 0x84;

function expandAlaw(code: number): number {
  const bits = code ^ ALAW_INVERSION_MASK;
  const segment = (bits >> SEGMENT_SHIFT) & SEGMENT_MASK;
  // The mantissa sits above 4 fractional bits; +8 puts the value mid-step. Segments above 0 gain the implicit
  // leading one (0x100) and double in step size each time.
  const step = ((bits & MANTISSA_MASK) << 4) + 8;
  const magnitude = segment === 0 ? step : (step + 0x100) << (segment - 1);
  // In A-law a set sign bit means positive.
  return bits & SIGN_BIT ? magnitude : -magnitude;
}

function expandMulaw(code: number): number {
  // µ-law codes are stored complemented.
  const bits = ~code & 0xff;
  const segment = (bits >> SEGMENT_SHIFT) & SEGMENT_MASK;
  const magnitude = ((((bits & MANTISSA_MASK) << 3) + MULAW_BIAS) << segment) - MULAW_BIAS;
  // In µ-law a set sign bit (after complementing) means negative.
  return bits & SIGN_BIT ? -magnitude : magnitude;
}

function buildTable(expand: (code: number) => number): Int16Array {
  const table = new Int16Array(N_CODES);
  for (let code = 0; code < N_CODES; code++) table[code] = expand(code);
  return table;
}

/** 16-bit linear value of each A-law code (index = the stored byte). */
export const ALAW_TO_LINEAR: Int16Array = buildTable(expandAlaw);
/** 16-bit linear value of each µ-law code (index = the stored byte). */
export const MULAW_TO_LINEAR: Int16Array = buildTable(expandMulaw);
