// @ts-check
/**
 * The test-only slowdown hook that proves the CI gate works: VERBATIM_BENCH_PLANT="encoder=1.3" makes every timed call
 * of each stage whose id starts with "encoder" take 1.3 × as long, by spinning the CPU for 0.3 × the call's own
 * duration inside the timed region (a busy wait, like slower code, not a sleep). Several entries: "a=1.3,b=2".
 */

/** The factor for `stageId` under `spec` (1 when none applies). @param {string | undefined} spec @param {string} stageId */
export function plantedFactor(spec, stageId) {
  if (!spec) return 1;
  for (const entry of spec.split(',')) {
    const [prefix, factor] = entry.split('=');
    if (prefix && stageId.startsWith(prefix.trim())) {
      const value = Number(factor);
      if (!(value >= 1)) throw new Error(`VERBATIM_BENCH_PLANT: "${entry}" needs a factor >= 1`);
      return value;
    }
  }
  return 1;
}

/** Spins for `ms` milliseconds. @param {number} ms */
export function spin(ms) {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy wait: the planted slowdown must cost CPU time as slower code would
  }
}
