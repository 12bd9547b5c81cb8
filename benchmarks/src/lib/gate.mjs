// @ts-check
/**
 * The CI regression gate's logic, free of timing so that it can be unit-tested with fixed inputs.
 *
 * Absolute times on these shared 2-core machines mean little, so every stage is measured as a ratio to a calibration
 * kernel timed right before it, in the same process and round (a slower or busier machine slows both). A stage's
 * figure is the MEDIAN over rounds of those per-round ratios; the gate divides it by the committed baseline's and
 * fails when the quotient exceeds 1 + threshold (default 15 % slower). Measured run-to-run spread: benchmarks/GATE.md.
 */
import { median, roundTo } from './stats.mjs';

/** A stage may be this much slower than its baseline before the gate fails. */
export const DEFAULT_THRESHOLD = 0.15;

/**
 * @typedef {{ stage: string, roundRatios: number[] }} StageRatios   one stage: stage time ÷ calibration time per round
 * @typedef {{ threshold: number, stages: Record<string, { ratio: number, run_ratios: number[] }> }} Baseline
 * @typedef {{ stage: string, status: 'ok' | 'slower' | 'faster' | 'missing' | 'new',
 *   baseline: number | null, current: number | null, change: number | null }} GateRow
 *   change: current ÷ baseline − 1 (0.31 = 31 % slower)
 */

/**
 * Ratios of a stage to the calibration kernel, call by call (or round by round): stageMs[i] ÷ calibrationMs[i].
 * @param {readonly number[]} stageMs @param {readonly number[]} calibrationMs
 * @throws Error unless both hold the same positive number of finite, positive values
 */
export function roundRatios(stageMs, calibrationMs) {
  if (stageMs.length === 0 || stageMs.length !== calibrationMs.length)
    throw new Error(
      `roundRatios: ${stageMs.length} stage rounds against ${calibrationMs.length} calibration rounds`,
    );
  return stageMs.map((ms, round) => {
    const calibration = calibrationMs[round] ?? Number.NaN;
    if (!(ms > 0 && calibration > 0 && Number.isFinite(ms) && Number.isFinite(calibration)))
      throw new Error(`roundRatios: round ${round} has stage ${ms} ms, calibration ${calibration} ms`);
    return ms / calibration;
  });
}

/**
 * A baseline from several runs of the quick suite (what `pnpm -F @verbatim/benchmarks bench:update-baseline`
 * commits): per stage, the median over runs of each run's figure (the median of its rounds), to 4 significant
 * digits. Several runs, because one run's own noise would otherwise shift every later verdict.
 * @param {readonly (readonly StageRatios[])[]} runs @param {number} [threshold] @returns {Baseline}
 * @throws Error when a run lacks a stage of the first run
 */
export function baselineFrom(runs, threshold = DEFAULT_THRESHOLD) {
  const stages = (runs[0] ?? []).map(({ stage }) => stage);
  return {
    threshold,
    stages: Object.fromEntries(
      stages.map((stage) => {
        const perRun = runs.map((run, index) => {
          const found = run.find((entry) => entry.stage === stage);
          if (found === undefined) throw new Error(`baselineFrom: run ${index} has no stage ${stage}`);
          return median(found.roundRatios);
        });
        return [stage, { ratio: roundTo(median(perRun)), run_ratios: perRun.map((ratio) => roundTo(ratio)) }];
      }),
    ),
  };
}

/**
 * Compares a run with the baseline, stage by stage. A stage of the baseline the run lacks fails ('missing'); a stage
 * the baseline lacks is reported ('new') but cannot fail. 'faster' marks an improvement beyond the threshold (a hint
 * to update the baseline, never a failure).
 * @param {Baseline} baseline @param {readonly StageRatios[]} current @param {number} [threshold] default: the baseline's
 * @returns {{ passed: boolean, threshold: number, rows: GateRow[] }}
 */
export function compareWithBaseline(baseline, current, threshold = baseline.threshold ?? DEFAULT_THRESHOLD) {
  const measured = new Map(current.map(({ stage, roundRatios: ratios }) => [stage, median(ratios)]));
  /** @type {GateRow[]} */
  const rows = Object.entries(baseline.stages).map(([stage, { ratio }]) => {
    const now = measured.get(stage);
    if (now === undefined) return { stage, status: 'missing', baseline: ratio, current: null, change: null };
    const change = now / ratio - 1;
    const status = change > threshold ? 'slower' : change < -threshold ? 'faster' : 'ok';
    return { stage, status, baseline: ratio, current: now, change };
  });
  for (const [stage, now] of measured) {
    if (!(stage in baseline.stages))
      rows.push({ stage, status: 'new', baseline: null, current: now, change: null });
  }
  const passed = rows.every((row) => row.status !== 'slower' && row.status !== 'missing');
  return { passed, threshold, rows };
}

/**
 * How far this machine's calibration speeds may stray from the baseline's before it counts as another kind of
 * machine. A neighbour streaming memory on the other core moved the compute kernel's least CPU time by 1.27×; the
 * two hosts CI has run on differ by about 1.8× on it (GATE.md, session 12).
 */
export const HOST_SPEED_TOLERANCE = 1.4;

/**
 * Whether a run's host is the baseline's kind of machine, judged by the calibration kernels' speeds (the CPU's name
 * alone does not tell two CI hosts apart). Ratios to the kernels cancel a machine's overall speed, not the balance
 * of its arithmetic, SIMD units and memory, so a baseline gives verdicts only on its own kind of host.
 * @param {Record<string, number> | undefined} baselineSpeed the baseline's least CPU ms per kernel
 * @param {Record<string, number>} speed this run's @param {number} [tolerance]
 * @returns {{ matches: boolean, why: string }} why: each kernel's ms here against the baseline's
 */
export function hostMatches(baselineSpeed, speed, tolerance = HOST_SPEED_TOLERANCE) {
  if (baselineSpeed === undefined) return { matches: false, why: 'the baseline records no host speed' };
  const kinds = Object.keys(baselineSpeed);
  const off = kinds.filter((kind) => {
    const here = speed[kind];
    const there = baselineSpeed[kind] ?? Number.NaN;
    return !(here !== undefined && here > 0 && Math.max(here / there, there / here) <= tolerance);
  });
  const why = kinds
    .map(
      (kind) =>
        `${kind} kernel ${speed[kind]?.toFixed(2) ?? '-'} ms here, ${baselineSpeed[kind]?.toFixed(2)} ms in the baseline`,
    )
    .join('; ');
  return { matches: kinds.length > 0 && off.length === 0, why };
}

/** @param {number} change */
const percent = (change) => `${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)}%`;

/**
 * The gate's verdict as text: a table of every stage, then one line per failing stage naming it, and a last line
 * starting "bench gate: PASS" or "bench gate: FAIL".
 * @param {{ passed: boolean, threshold: number, rows: GateRow[] }} result @param {number} rounds
 */
export function formatGateReport(result, rounds) {
  const limit = `${(result.threshold * 100).toFixed(0)}%`;
  const lines = [
    '| stage | baseline ratio | this run | change | verdict |',
    '| --- | --- | --- | --- | --- |',
    ...result.rows.map(
      (row) =>
        `| ${row.stage} | ${row.baseline?.toPrecision(4) ?? '-'} | ${row.current?.toPrecision(4) ?? '-'} | ${
          row.change === null ? '-' : percent(row.change)
        } | ${row.status} |`,
    ),
    '',
  ];
  for (const row of result.rows) {
    if (row.status === 'slower' && row.change !== null)
      lines.push(
        `bench gate: stage "${row.stage}" is ${(row.change * 100).toFixed(1)}% slower than the baseline ` +
          `(ratio to its calibration kernel ${row.current?.toPrecision(4)} vs ${row.baseline?.toPrecision(4)}, ` +
          `median of ${rounds} rounds; limit ${limit})`,
      );
    if (row.status === 'missing')
      lines.push(`bench gate: stage "${row.stage}" of the baseline was not measured`);
  }
  const failing = result.rows.filter((row) => row.status === 'slower' || row.status === 'missing');
  lines.push(
    result.passed
      ? `bench gate: PASS — no stage more than ${limit} slower than the baseline (median of ${rounds} rounds)`
      : `bench gate: FAIL — ${failing.map((row) => row.stage).join(', ')} ` +
          `(update the baseline only for an intended change: pnpm -F @verbatim/benchmarks bench:update-baseline)`,
  );
  return lines.join('\n');
}
