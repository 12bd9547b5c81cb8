#!/usr/bin/env node
// @ts-check
/**
 * Files a GPU run (the gpu-run.json that tools/cuda/gpu_check.sh writes on the GPU machine) into the results as
 * a local benchmark run is filed: results/<its start time>-<machine>-gpu.json, one line in results/history.jsonl,
 * and REPORT.md and the chart regenerated.
 *
 *   pnpm -F @verbatim/benchmarks bench:add-gpu-run PATH/gpu-run.json [--machine h100]
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeReport } from './bench/report.mjs';
import { biomeFormat } from './lib/biome-format.mjs';

/**
 * The history line of a GPU run: per side, model and batch, the RTFx (and the median ratio where the sides
 * alternated).
 * @param {{ started_at: string, benchmark: string, commit: string, host: string,
 *   records: { impl: string, model: string, batch: number, stage: string, rtfx: number, wall_s: number }[],
 *   comparisons?: { model: string, batch: number, ratio_median: number }[] }} run
 */
export function gpuHistoryLine(run) {
  const stages = Object.fromEntries(
    run.records
      .filter((r) => r.stage === 'e2e')
      .map((r) => [
        `${r.impl}:e2e/${r.model}/b${r.batch}`,
        { ms: Math.round(r.wall_s * 1e6) / 1e3, rtfx: r.rtfx },
      ]),
  );
  const ratios = Object.fromEntries(
    (run.comparisons ?? []).map((c) => [`${c.model}/b${c.batch}`, c.ratio_median]),
  );
  return {
    started_at: run.started_at,
    benchmark: run.benchmark,
    commit: run.commit,
    host: run.host,
    stages,
    ratios,
  };
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(basename(process.argv[1]))) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { machine: { type: 'string', default: 'h100' } },
  });
  const [source] = positionals;
  if (source === undefined || positionals.length !== 1) {
    console.error('usage: add-gpu-run.mjs PATH/gpu-run.json [--machine h100]');
    process.exit(2);
  }
  let run;
  try {
    run = JSON.parse(readFileSync(source, 'utf8'));
  } catch (error) {
    console.error(
      `add-gpu-run: cannot read ${source} as JSON: ${error instanceof Error ? error.message : error}`,
    );
    process.exit(2);
  }
  if (!Array.isArray(run.records) || typeof run.started_at !== 'string') {
    console.error(`add-gpu-run: ${source} is not a gpu-run.json (no records or started_at)`);
    process.exit(2);
  }
  const packageDir = new URL('..', import.meta.url).pathname;
  const resultsDir = join(packageDir, 'results');
  const stamp = run.started_at.replace(/:/g, '-').replace(/\..*$/, '').replace(/\+.*$/, '');
  const file = join(resultsDir, `${stamp}-${values.machine}-gpu.json`);
  writeFileSync(file, `${JSON.stringify(run, null, 2)}\n`);
  biomeFormat([file]);
  appendFileSync(join(resultsDir, 'history.jsonl'), `${JSON.stringify(gpuHistoryLine(run))}\n`);
  console.log(`${file} (+ one line in results/history.jsonl)`);
  console.log(writeReport(resultsDir, join(packageDir, 'REPORT.md')));
}
