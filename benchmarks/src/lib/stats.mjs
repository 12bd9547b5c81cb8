// @ts-check
/** Summary statistics the benchmarks report: medians over rounds (shared/docs/performance.md's method). */

/** The median of `values`; NaN for none. @param {readonly number[]} values */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const at = (/** @type {number} */ index) => sorted[index] ?? Number.NaN;
  return sorted.length % 2 === 1 ? at(middle) : (at(middle - 1) + at(middle)) / 2;
}

/** Rounds `value` to `digits` significant digits (records stay readable; the raw rounds are kept too). */
export function roundTo(/** @type {number} */ value, digits = 4) {
  return Number.isFinite(value) ? Number(value.toPrecision(digits)) : value;
}
