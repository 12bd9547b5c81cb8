/**
 * Whisper's encoder positional table (OpenAI `sinusoids()`), computed in float64 and rounded once to float32.
 *
 * Math.sin/cos/exp/log (V8's fdlibm port) and Python's math module (glibc) agree bit for bit after the float32
 * rounding for every Whisper width (384 … 1280) × 1500 positions; python/seeded_weights.py computes the same table.
 */

const MAX_TIMESCALE = 10_000;

const cache = new Map<string, Float32Array>();

/** The [length, channels] table, row-major: sin of the first channels/2 frequencies, then cos. Cached; do not modify. */
export function sinusoids(length: number, channels: number): Float32Array {
  if (channels % 2 !== 0 || channels < 4) {
    throw new RangeError(`[sinusoids] channels must be an even number >= 4, got ${channels}`);
  }
  const key = `${length}x${channels}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const half = channels / 2;
  const increment = Math.log(MAX_TIMESCALE) / (half - 1);
  const inverseTimescales = Array.from({ length: half }, (_, j) => Math.exp(-increment * j));
  const table = new Float32Array(length * channels);
  for (let t = 0; t < length; t++) {
    for (let j = 0; j < half; j++) {
      const angle = t * inverseTimescales[j]!;
      table[t * channels + j] = Math.sin(angle);
      table[t * channels + half + j] = Math.cos(angle);
    }
  }
  cache.set(key, table);
  return table;
}
