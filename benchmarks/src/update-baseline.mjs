#!/usr/bin/env node
// @ts-check
/**
 * Rewrites the CI gate's baseline, benchmarks/baseline/cpu-quick.json, from several runs of the quick suite: per
 * stage, the median over runs of each run's figure (the median over its rounds of call ÷ calibration). Commit the
 * file; do it only for an intended change of speed (or a new stage), never to make a red gate green.
 *
 *   pnpm -F @verbatim/benchmarks bench:update-baseline [--runs 3] [--from results/A.json,results/B.json,…]
 *
 * --runs N: N fresh `bench.mjs --quick` processes, one after another (about 80 s each here).
 * --from: the quick-suite result files of runs already made (the same protocol) instead of new runs.
 * Prints each stage's figure per run and its spread. Exit code 1 when a run fails.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { biomeFormat } from './lib/biome-format.mjs';
import { formatJson } from './lib/format-json.mjs';
import { baselineFrom } from './lib/gate.mjs';
import { cpuSignature, gitCommit } from './lib/run-info.mjs';
import { PACKAGE_DIR, REPO_ROOT } from './lib/seeded-weights.mjs';
import { median, roundTo } from './lib/stats.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const BASELINE_FILE = join(PACKAGE_DIR, 'baseline', 'cpu-quick.json');

const { values: options } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, from: { type: 'string' } },
});

/** @returns {string[]} the quick-suite result files to build the baseline from */
function resultFiles() {
  if (options.from) return options.from.split(',').filter(Boolean);
  const scratch = mkdtempSync(join(os.tmpdir(), 'verbatim-baseline-'));
  const runs = Number(options.runs);
  for (let run = 1; run <= runs; run++) {
    process.stderr.write(`update-baseline: run ${run}/${runs}\n`);
    execFileSync(process.execPath, [join(HERE, 'bench.mjs'), '--quick', '--results', scratch], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  const files = readdirSync(scratch).filter((name) => name.endsWith('-bench-quick.json'));
  const copies = files.map((name) => join(os.tmpdir(), `verbatim-baseline-${name}`));
  files.forEach((name, index) => {
    writeFileSync(/** @type {string} */ (copies[index]), readFileSync(join(scratch, name)));
  });
  rmSync(scratch, { recursive: true, force: true });
  return copies;
}

const files = resultFiles();
const runs = files.map((file) => JSON.parse(readFileSync(file, 'utf8')));
for (const [index, run] of runs.entries()) {
  if (run.benchmark !== 'bench-quick' || run.planted)
    throw new Error(
      `${files[index]}: not a clean quick-suite run (${run.benchmark}, planted ${run.planted})`,
    );
}
const stageRatios = runs.map((run) =>
  run.records
    .filter((/** @type {any} */ record) => record.impl === 'verbatim')
    .map((/** @type {any} */ record) => ({
      stage: String(record.id),
      roundRatios: record.round_ratios ?? [record.ratio_to_calibration],
    })),
);
const baseline = baselineFrom(stageRatios);

/** @param {any[]} results quick-suite runs @returns {Record<string, number>} */
function hostSpeedOf(results) {
  const speeds = results.map((run) => run.host_speed_cpu_ms);
  if (speeds.some((speed) => speed === undefined))
    throw new Error(
      'update-baseline: a run records no host_speed_cpu_ms (made before session 12); run the suite again',
    );
  return Object.fromEntries(
    Object.keys(speeds[0]).map((kind) => [kind, roundTo(median(speeds.map((speed) => speed[kind])))]),
  );
}
writeFileSync(
  BASELINE_FILE,
  formatJson({
    what: "the CI gate baseline (benchmarks/GATE.md): per stage, the median over runs of the quick suite of each run's median over rounds of call time ÷ its calibration kernel's time (memory for decode-step, compute for the rest), and the host's kernel speeds; written by `pnpm -F @verbatim/benchmarks bench:update-baseline`",
    created_at: new Date().toISOString(),
    commit: gitCommit(REPO_ROOT),
    host: runs[0]?.host,
    cpu: cpuSignature(),
    threads: runs[0]?.threads,
    rounds_per_run: runs[0]?.rounds,
    runs: runs.map((run) => ({
      started_at: run.started_at,
      commit: run.commit,
      load_1min: run.load_average_1_5_15.map((/** @type {any} */ entry) => entry.load[0]),
    })),
    calibration: runs[0]?.calibration,
    // The host's kind, for the gate (lib/gate.mjs hostMatches): per kernel, the median over runs of each run's least CPU ms.
    host_speed_cpu_ms: hostSpeedOf(runs),
    ...baseline,
  }),
);
biomeFormat([BASELINE_FILE]);
const lines = ['| stage | baseline | per run | spread (max/min − 1) |', '| --- | --- | --- | --- |'];
for (const [stage, { ratio, run_ratios: perRun }] of Object.entries(baseline.stages)) {
  const spread = Math.max(...perRun) / Math.min(...perRun) - 1;
  lines.push(`| ${stage} | ${ratio} | ${perRun.join(' / ')} | ${(spread * 100).toFixed(1)}% |`);
}
console.log(`${lines.join('\n')}\n\nbaseline written from ${runs.length} runs: ${BASELINE_FILE} — commit it`);
