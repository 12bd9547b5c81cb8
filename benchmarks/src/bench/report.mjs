// @ts-check
/**
 * The report generated from the committed results: REPORT.md (a Markdown table of end-to-end RTFx per model, ours
 * next to the peers, and of every stage) and results/rtfx.svg (the same RTFx as bars, a CPU panel and a GPU panel).
 * Inputs: the newest results/*-bench-full.json (CPU) and the newest results/*-gpu.json (GPU: ours and transformers
 * from one tools/cuda/gpu_check.sh call, written by tools/cuda/bench_run.py), when present.
 * `pnpm -F @verbatim/benchmarks bench:report` regenerates both.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { biomeFormat } from '../lib/biome-format.mjs';

/** @typedef {{ impl: string, model: string | null, backend: string, dtype: string | null, batch: number, stage: string,
 *   id?: string, rtfx: number | null, wall_s: number, unit?: string, timed?: string }} BenchRecord */
/** @typedef {{ label: string, bars: { name: string, rtfx: number }[] }} ChartGroup  one model × dtype */

const COLORS = { verbatim: '#2f6fdf', 'whisper.cpp': '#e07b39', transformers: '#7a52b3' };

/** @param {string} text */
const escapeXml = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The bar's name: implementation and batch. @param {BenchRecord} record */
const barName = (record) => `${record.impl} b${record.batch}`;

/**
 * End-to-end records grouped per model × dtype, in order of first appearance.
 * @param {readonly BenchRecord[]} records @returns {ChartGroup[]}
 */
export function chartGroups(records) {
  /** @type {Map<string, ChartGroup>} */
  const groups = new Map();
  for (const record of records) {
    if (record.stage !== 'e2e' || record.rtfx === null) continue;
    const label = `${record.model} ${record.dtype}`;
    const group = groups.get(label) ?? { label, bars: [] };
    group.bars.push({ name: barName(record), rtfx: record.rtfx });
    groups.set(label, group);
  }
  return [...groups.values()];
}

/**
 * One SVG with a panel per backend: horizontal RTFx bars grouped by model × dtype, coloured by implementation.
 * Each group has its own linear scale (its fastest bar is full width): the ratio between implementations is what
 * a group shows, and one scale for tiny and large-v3 would flatten the large models' bars to nothing.
 * @param {{ title: string, note: string, groups: ChartGroup[] }[]} panels @returns {string}
 */
export function rtfxChartSvg(panels) {
  const width = 760;
  const labelWidth = 190;
  const barHeight = 16;
  const chartWidth = width - labelWidth - 80;
  let y = 30;
  const parts = [];
  for (const panel of panels) {
    parts.push(`<text x="10" y="${y}" font-size="15" font-weight="bold">${escapeXml(panel.title)}</text>`);
    y += 16;
    parts.push(`<text x="10" y="${y}" font-size="11" fill="#555">${escapeXml(panel.note)}</text>`);
    y += 14;
    if (panel.groups.length === 0) {
      y += 16;
      parts.push(`<text x="${labelWidth}" y="${y}" font-size="12" fill="#888">no results yet</text>`);
      y += 20;
    }
    for (const group of panel.groups) {
      y += 8;
      parts.push(
        `<text x="10" y="${y + 12}" font-size="12" font-weight="bold">${escapeXml(group.label)}</text>`,
      );
      y += 16; // the label on its own line: long model names must not run into the bars' names
      const max = Math.max(1, ...group.bars.map((bar) => bar.rtfx));
      for (const bar of group.bars) {
        const impl = /** @type {keyof typeof COLORS} */ (bar.name.split(' ')[0]);
        const length = Math.max(1, (bar.rtfx / max) * chartWidth);
        parts.push(
          `<text x="${labelWidth - 6}" y="${y + 12}" font-size="11" text-anchor="end">${escapeXml(bar.name)}</text>`,
          `<rect x="${labelWidth}" y="${y + 1}" width="${length.toFixed(1)}" height="${barHeight - 3}" fill="${COLORS[impl] ?? '#999'}"/>`,
          `<text x="${(labelWidth + length + 4).toFixed(1)}" y="${y + 12}" font-size="11">${bar.rtfx.toFixed(1)}×</text>`,
        );
        y += barHeight;
      }
    }
    y += 24;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="sans-serif" role="img">`,
    '<title>RTFx per model: verbatim next to its peers</title>',
    `<rect width="${width}" height="${y}" fill="white"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

/** @typedef {{ model: string, batch: number, pairs: number, verbatim_rtfx: number, transformers_rtfx: number,
 *   ratio_median: number, ratio_min: number, ratio_max: number, peak_gib_ours: number, peak_gib_theirs: number }}
 *   GpuComparison  one model × batch of a GPU run whose sides alternated (tools/cuda/bench_run.py) */

/**
 * Ours next to transformers per model and batch of one GPU run: RTFx, their ratio, peak device memory. A run whose
 * sides alternated (its `comparisons`) shows medians and the ratio's range over the pairs; an older run, its
 * records one to one.
 * @param {readonly (BenchRecord & { peak_mem_bytes?: number })[]} records
 * @param {string | undefined} name
 * @param {{ commit?: string, command?: string, comparisons?: GpuComparison[] } | undefined} run
 * @returns {string}
 */
export function gpuTable(records, name, run) {
  if (name === undefined) return 'No GPU run yet.';
  const header = `Run: \`results/${name}\`, commit ${run?.commit ?? '?'}; reproduce: \`${run?.command ?? '?'}\`.`;
  if (run?.comparisons !== undefined) {
    return [
      header,
      '',
      '| model | batch | verbatim RTFx | transformers RTFx | ours / theirs (median, range) | pairs | peak GiB ours / theirs |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...run.comparisons.map(
        (c) =>
          `| ${c.model} | ${c.batch} | ${c.verbatim_rtfx.toFixed(0)}× | ${c.transformers_rtfx.toFixed(0)}× | ${c.ratio_median.toFixed(2)}× (${c.ratio_min.toFixed(2)}–${c.ratio_max.toFixed(2)}) | ${c.pairs} | ${c.peak_gib_ours.toFixed(2)} / ${c.peak_gib_theirs.toFixed(2)} |`,
      ),
    ].join('\n');
  }
  const theirs = new Map(
    records
      .filter((r) => r.impl === 'transformers' && r.stage === 'e2e')
      .map((r) => [`${r.model}/${r.batch}`, r]),
  );
  const gib = (/** @type {number | undefined} */ bytes) =>
    bytes === undefined ? '?' : (bytes / 2 ** 30).toFixed(2);
  const rows = records
    .filter((r) => r.impl === 'verbatim' && r.stage === 'e2e')
    .map((r) => {
      const peer = theirs.get(`${r.model}/${r.batch}`);
      const ratio = peer?.rtfx && r.rtfx ? `${(r.rtfx / peer.rtfx).toFixed(2)}×` : '?';
      return `| ${r.model} | ${r.batch} | ${Number(r.rtfx).toFixed(0)}× | ${peer ? `${Number(peer.rtfx).toFixed(0)}×` : '?'} | ${ratio} | ${gib(r.peak_mem_bytes)} / ${gib(peer?.peak_mem_bytes)} |`;
    });
  return [
    header,
    '',
    '| model | batch | verbatim RTFx | transformers RTFx | ours / theirs | peak GiB ours / theirs |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/**
 * The chart's bars of a GPU run: one per side at its median where the sides alternated, else every record.
 * @param {readonly BenchRecord[]} records @param {GpuComparison[] | undefined} comparisons
 * @returns {BenchRecord[]}
 */
export function gpuChartRecords(records, comparisons) {
  if (comparisons === undefined) return [...records];
  return comparisons.flatMap((c) =>
    ['verbatim', 'transformers'].map((impl) => ({
      impl,
      model: c.model,
      backend: 'cuda',
      dtype: 'f16',
      batch: c.batch,
      stage: 'e2e',
      rtfx: impl === 'verbatim' ? c.verbatim_rtfx : c.transformers_rtfx,
      wall_s: 0,
    })),
  );
}

/** The newest file in `dir` whose name ends with `suffix`, parsed; undefined when none. @param {string} dir @param {string} suffix */
/**
 * The newest run file ending in `suffix`, skipping runs marked `superseded` (a run of binaries whose change was
 * taken out again: kept as evidence, not reported as the current state).
 * @param {string} dir @param {string} suffix
 */
export function newest(dir, suffix) {
  const names = readdirSync(dir)
    .filter((file) => file.endsWith(suffix))
    .sort()
    .reverse();
  for (const name of names) {
    const run = JSON.parse(readFileSync(join(dir, name), 'utf8'));
    if (typeof run.superseded !== 'string') return { name, run };
  }
  return undefined;
}

/**
 * Writes REPORT.md and results/rtfx.svg from the newest full CPU run (and the newest transformers run, if any).
 * @param {string} resultsDir @param {string} reportFile @returns {string} what was written
 */
export function writeReport(resultsDir, reportFile) {
  const cpu = newest(resultsDir, '-bench-full.json');
  const gpu = newest(resultsDir, '-gpu.json');
  /** @type {BenchRecord[]} */
  const cpuRecords = cpu?.run.records ?? [];
  /** @type {BenchRecord[]} */
  const gpuRecords = gpu?.run.records ?? [];
  const svgFile = join(resultsDir, 'rtfx.svg');
  writeFileSync(
    svgFile,
    rtfxChartSvg([
      {
        title: `CPU: ${cpu?.run.host ?? 'no run'}, ${cpu?.run.threads ?? '?'} threads`,
        note: 'RTFx, end to end, fixed length (112 tokens per 30 s window), seeded weights; whisper.cpp: derived from its whisper-bench, model only',
        groups: chartGroups(cpuRecords),
      },
      {
        title: `GPU: ${gpu?.run.host ?? 'no run'}`,
        note: 'RTFx, model only (encoder + 112 greedy tokens per 30 s window), seeded f16 weights; ours and transformers (fp16, sdpa) in one call',
        groups: chartGroups(gpuChartRecords(gpuRecords, gpu?.run.comparisons)),
      },
    ]),
  );
  const e2e = [...cpuRecords, ...gpuRecords].filter((record) => record.stage === 'e2e');
  const e2eTable = [
    '| backend | model | dtype | impl | batch | RTFx | s per call |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...e2e.map(
      (r) =>
        `| ${r.backend} | ${r.model} | ${r.dtype} | ${r.impl} | ${r.batch} | ${Number(r.rtfx).toFixed(1)}× | ${Number(r.wall_s).toPrecision(4)} |`,
    ),
  ].join('\n');
  const text = `# Benchmark report (generated: \`pnpm -F @verbatim/benchmarks bench:report\`; do not edit)

Method and record schema: \`shared/docs/performance.md\`; how to run: [README.md](README.md); the CI gate: [GATE.md](GATE.md).

![RTFx per model, ours next to the peers](results/rtfx.svg)

## End to end (RTFx = audio seconds ÷ wall seconds, higher is better)

CPU run: \`results/${cpu?.name ?? '(none)'}\`, commit ${cpu?.run.commit ?? '?'}, ${cpu?.run.host ?? '?'}, ${cpu?.run.threads ?? '?'} threads,
medians of ${cpu?.run.rounds ?? '?'} rounds. GPU run: ${gpu === undefined ? 'none yet' : `\`results/${gpu.name}\``}.
Ours: WAV read + native mel + encode + greedy decode of exactly 112 tokens per 30 s window. whisper.cpp: *derived*
from its own whisper-bench (encode incl. cross K/V + 112 × one decode step), model only, batch 1 — it does less work
per window than ours is timed for.

${e2eTable}

## GPU: ours against transformers in the same call

${gpuTable(gpuRecords, gpu?.name, gpu?.run)}

## Every record of the CPU run

${cpu?.run.table_markdown ?? '(no run)'}
`;
  writeFileSync(reportFile, text);
  biomeFormat([reportFile]);
  return `report: ${basename(reportFile)} and results/${basename(svgFile)} from ${cpu?.name ?? 'no CPU run'}`;
}

// `node src/bench/report.mjs` regenerates the report.
if (process.argv[1] !== undefined && import.meta.url.endsWith(basename(process.argv[1]))) {
  const packageDir = new URL('../..', import.meta.url).pathname;
  console.log(writeReport(join(packageDir, 'results'), join(packageDir, 'REPORT.md')));
}
