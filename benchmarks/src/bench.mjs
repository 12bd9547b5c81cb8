#!/usr/bin/env node
// @ts-check
/**
 * `pnpm bench`: verbatim's stages (tinybench, in this process) and fixed-length end-to-end runs per model × dtype ×
 * batch on the CPU backend, the whisper.cpp peer on the same weights, as JSON records (shared/docs/performance.md).
 *
 *   pnpm bench [--quick] [--gate] [--rounds N] [--threads 2] [--models tiny,base]
 *              [--dtypes f32,f16] [--batches 1,4] [--peer-rounds 1] [--no-peer] [--no-save] [--results DIR]
 *
 * --quick: the CI subset (tiny f32, batch 1, no ffmpeg, no peer), well under three minutes here.
 * --gate: compares --quick's ratios with baseline/cpu-quick.json and exits 1 naming a stage > 15 % slower.
 * The baseline: `pnpm -F @verbatim/benchmarks bench:update-baseline` (src/update-baseline.mjs; commit it).
 * Each round times every stage right after the calibration kernel; tables show medians over rounds. Writes
 * results/<time>-bench-<quick|full>.json and appends results/history.jsonl (not with --no-save), and after a full
 * run regenerates REPORT.md and results/rtfx-cpu.svg. Exit code 1 only for a failed gate or something that could not run.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import {
  CALIBRATION_RULES,
  CALIBRATION_WHAT,
  CALIBRATIONS,
  hostIdentifyingFigures,
  kernelRuns,
} from './bench/calibration.mjs';
import { plantedFactor, spin } from './bench/plant.mjs';
import { writeReport } from './bench/report.mjs';
import { audioStages, FIXED_NEW_TOKENS, modelStages, prepareInputs, WINDOW_S } from './bench/stages.mjs';
import { biomeFormat } from './lib/biome-format.mjs';
import { formatJson } from './lib/format-json.mjs';
import {
  compareWithBaseline,
  formatGateReport,
  HOST_SPEED_TOLERANCE,
  hostMatches,
  roundRatios,
} from './lib/gate.mjs';
import { cpuSignature, gitCommit, loadAverage, machineInfo } from './lib/run-info.mjs';
import { PACKAGE_DIR, REPO_ROOT, seededGgmlWeights, sharedDir, WEIGHTS_SEED } from './lib/seeded-weights.mjs';
import { median, roundTo } from './lib/stats.mjs';
import { runWhisperBench, WHISPER_BENCH } from './lib/whisper-cpp.mjs';

const BASELINE_FILE = join(PACKAGE_DIR, 'baseline', 'cpu-quick.json');
const DEFAULT_RESULTS_DIR = join(PACKAGE_DIR, 'results');

const { values: options } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    gate: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    threads: { type: 'string' },
    models: { type: 'string', default: 'tiny,base' },
    dtypes: { type: 'string', default: 'f32,f16' },
    batches: { type: 'string', default: '1,4' },
    'peer-rounds': { type: 'string', default: '1' },
    'no-peer': { type: 'boolean', default: false },
    'no-save': { type: 'boolean', default: false },
    results: { type: 'string' },
  },
});
const quick = options.quick || options.gate;
const mode = quick ? 'quick' : 'full';
const rounds = Number(options.rounds ?? (quick ? 7 : 3));
/**
 * The quick suite (the gate) runs the engine on ONE thread unless told otherwise: on two cores shared with other
 * tenants a second thread waits on the neighbours' scheduling far more than on our code, which made the per-round
 * ratios spread too wide for a 15 % gate (benchmarks/GATE.md). The full suite measures the thread pool (2 threads).
 */
const threads = Number(options.threads ?? (quick ? 1 : 2));
const models = quick ? ['tiny'] : String(options.models).split(',').filter(Boolean);
const dtypes = /** @type {('f32' | 'f16')[]} */ (
  quick ? ['f32'] : String(options.dtypes).split(',').filter(Boolean)
);
const batches = quick ? [1] : String(options.batches).split(',').filter(Boolean).map(Number);
const withPeer = !quick && !options['no-peer'];
const peerRounds = Number(options['peer-rounds']);
const plant = process.env.VERBATIM_BENCH_PLANT;
const RESULTS_DIR = options.results ?? DEFAULT_RESULTS_DIR;
/** Per tinybench task and round: at least this long and this many calls, after one warm-up call. */
const TASK_TIME_MS = quick ? 200 : 400;
const TASK_ITERATIONS = 5;
/** The encoder and end-to-end stages (a second or more per call under load): this many calls a round, no time floor. */
const HEAVY_ITERATIONS = 3;
/**
 * decode-step's calls a round (64 tokens each, no time floor): its per-token time hops threads at every token, which
 * scheduling noise hits harder than the encoder, so it takes more calls for a stable median (GATE.md).
 */
const DECODE_STEP_ITERATIONS = 5;
/** The stages timed for at least TASK_TIME_MS a round (calls of 1 to 100 ms). */
const LIGHT_STAGES = new Set(['wav-decode', 'ffmpeg-decode', 'resample', 'mel-ts', 'vad', 'mel-native']);

// ---------------------------------------------------------------------------------------------------------------

const startedAt = new Date();
const commit = gitCommit(REPO_ROOT);
const machine = machineInfo();
const host = `${machine.cpu} × ${machine.logical_cpus} (${machine.hostname})`;
const loadAverages = [{ at: 'start', load: loadAverage() }];
process.stderr.write(
  `bench ${mode}: ${rounds} rounds, ${threads} threads, models ${models.join(',')} × ${dtypes.join(',')}, ` +
    `batches ${batches.join(',')}, ${host}, load avg ${loadAverage().join(' ')}${plant ? `, PLANTED ${plant}` : ''}\n`,
);

/**
 * Every calibration kernel run of this process, its CPU ms (the runs around every call, and 15 of each before and
 * after the rounds): their least (compute) or median (memory) is the host's speed (calibration.mjs), which divides
 * the compute-bound stages and tells the gate whether this is the baseline's kind of machine.
 * @type {Record<import('./bench/calibration.mjs').CalibrationKind, number[]>}
 */
const kernelRunsMs = { compute: [], memory: [] };
/** @param {Record<import('./bench/calibration.mjs').CalibrationKind, number[]>} runs */
function keepKernelRuns(runs) {
  kernelRunsMs.compute.push(...runs.compute);
  kernelRunsMs.memory.push(...runs.memory);
}
keepKernelRuns(kernelRuns(processCpuMs));
const inputs = prepareInputs(sharedDir());
const audio = await audioStages(inputs);
const stages = audio.stages.filter((stage) => !quick || stage.id !== 'ffmpeg-decode');
const disposers = [audio.dispose];
for (const model of models) {
  for (const dtype of dtypes) {
    const loaded = await modelStages(inputs, model, dtype, threads, batches, {
      mel: stages.length > 0 && disposers.length === 1,
    });
    stages.push(...loaded.stages);
    disposers.push(loaded.dispose);
  }
}

/** Calibration runs on each side of a timed call: about a quarter of the call's time, 2 to 8. */
function calibrationRepeats(/** @type {number} */ stageMs, /** @type {number} */ kernelMs) {
  return Math.max(2, Math.min(8, Math.round(stageMs / kernelMs / 4)));
}

/** CPU time of this process (every thread: ours, the engine's, onnxruntime's, the GC's), in ms. */
function processCpuMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Times `repeats` runs of a calibration kernel; wall and CPU ms per run.
 * @param {number} repeats @param {import('./bench/calibration.mjs').CalibrationKind} kind
 */
function timeCalibration(repeats, kind) {
  const kernel = CALIBRATIONS[kind].run;
  const start = performance.now();
  const cpuStart = processCpuMs();
  for (let i = 0; i < repeats; i++) {
    const runStart = processCpuMs();
    kernel();
    kernelRunsMs[kind].push(processCpuMs() - runStart);
  }
  return { wallMs: (performance.now() - start) / repeats, cpuMs: (processCpuMs() - cpuStart) / repeats };
}

/**
 * @typedef {{ stageMs: number, stageCpuMs: number, calibrationMs: number, calibrationCpuMs: number }} CallPair
 *   one timed call and the calibration runs around it: wall and CPU ms (the stage's per token for decode-step)
 */

/**
 * tinybench's task body for `stage`: calibration kernel runs, the stage's call, calibration again; the task's duration
 * is the call's wall time alone (its own figure when it reports one), and each call adds a CallPair to `pairs`.
 * A planted factor adds a busy wait inside the timed region.
 * @param {import('./bench/stages.mjs').Stage} stage @param {CallPair[]} pairs
 */
function pairedTask(stage, pairs) {
  const factor = plantedFactor(plant, stage.id);
  const kind = (stage.calibration ?? CALIBRATION_RULES.scalar).kernel;
  let lastMs = 0;
  let kernelMs = timeCalibration(1, kind).wallMs;
  return async () => {
    const repeats = calibrationRepeats(lastMs, kernelMs);
    const before = timeCalibration(repeats, kind);
    const start = performance.now();
    const cpuStart = processCpuMs();
    const own = await stage.fn();
    let stageMs = own?.wallMs ?? performance.now() - start;
    let stageCpuMs = own?.cpuMs ?? processCpuMs() - cpuStart;
    if (factor !== 1) {
      const spinStart = performance.now();
      const spinCpuStart = processCpuMs();
      spin((factor - 1) * stageMs);
      stageMs += performance.now() - spinStart;
      stageCpuMs += processCpuMs() - spinCpuStart;
    }
    const after = timeCalibration(repeats, kind);
    kernelMs = (before.wallMs + after.wallMs) / 2;
    lastMs = performance.now() - start;
    pairs.push({
      stageMs,
      stageCpuMs,
      calibrationMs: kernelMs,
      calibrationCpuMs: (before.cpuMs + after.cpuMs) / 2,
    });
    return { overriddenDuration: stageMs };
  };
}

/**
 * @type {Map<string, {stage: number[], stageCpu: number[], leastCpu: number[], calibration: number[], calibrationCpu: number[], leastCalibrationCpu: number[]}>}
 *   per round: medians over its calls (stage: tinybench's median call), and the least CPU time of a call and of the
 *   kernel runs around one
 */
const perRound = new Map(
  stages.map((stage) => [
    stage.id,
    { stage: [], stageCpu: [], leastCpu: [], calibration: [], calibrationCpu: [], leastCalibrationCpu: [] },
  ]),
);
const roundsStarted = performance.now();
for (let round = 0; round < rounds; round++) {
  const roundStart = performance.now();
  // Rotate the order so that no stage always follows the same neighbour (caches, thermal, other tenants' cycles).
  const order = stages.map((_, i) => stages[(i + round) % stages.length]);
  for (const stage of order) {
    const entry = stage === undefined ? undefined : perRound.get(stage.id);
    if (stage === undefined || entry === undefined) continue;
    // Heavy stages run a fixed number of calls: tinybench's time floor counts the task's reported durations, and
    // decode-step reports ms per token for a call that takes 64 tokens.
    const heavy = !LIGHT_STAGES.has(stage.id.split('/')[0] ?? '');
    const bench = new Bench({
      time: heavy ? 0 : TASK_TIME_MS,
      iterations: stage.perToken ? DECODE_STEP_ITERATIONS : heavy ? HEAVY_ITERATIONS : TASK_ITERATIONS,
      warmupIterations: round === 0 || !heavy ? 1 : 0,
      warmupTime: 0,
      throws: true,
    });
    /** @type {CallPair[]} */
    const pairs = [];
    bench.add(stage.id, pairedTask(stage, pairs));
    // The warm-up calls add pairs too: keep only the timed ones (tinybench's samples are the last calls).
    await bench.run();
    const stageMs = bench.tasks[0]?.result?.latency.p50;
    if (stageMs === undefined) throw new Error(`bench: no result for ${stage.id}`);
    const timed = pairs.slice(
      pairs.length - (bench.tasks[0]?.result?.latency.samples.length ?? pairs.length),
    );
    entry.stage.push(stageMs);
    entry.stageCpu.push(median(timed.map((pair) => pair.stageCpuMs)));
    entry.calibration.push(median(timed.map((pair) => pair.calibrationMs)));
    entry.calibrationCpu.push(median(timed.map((pair) => pair.calibrationCpuMs)));
    // The gate's figure is of CPU times (waiting for a core is not in them) and of the round's LEAST CPU time of a
    // call: contention (a busy sibling hyperthread, caches and memory bandwidth shared with other tenants) only ever
    // adds CPU time, so the minimum is the least disturbed figure. GATE.md has the measurements that led here.
    entry.leastCpu.push(Math.min(...timed.map((pair) => pair.stageCpuMs)));
    entry.leastCalibrationCpu.push(Math.min(...timed.map((pair) => pair.calibrationCpuMs)));
  }
  loadAverages.push({ at: `after round ${round + 1}`, load: loadAverage() });
  process.stderr.write(
    `[round ${round + 1}/${rounds}] ${((performance.now() - roundStart) / 1000).toFixed(1)} s, load avg ${loadAverage().join(' ')}\n`,
  );
}
const roundsSeconds = (performance.now() - roundsStarted) / 1000;
keepKernelRuns(kernelRuns(processCpuMs));
const computeFloorMs = Math.min(...kernelRunsMs.compute);
/** @type {Record<string, number>} the host's speed per kernel, as recorded and compared with the baseline's */
const speed = Object.fromEntries(
  Object.entries(kernelRunsMs).map(([kind, runs]) => [
    kind,
    roundTo(
      CALIBRATIONS[/** @type {'compute' | 'memory'} */ (kind)].host === 'least'
        ? Math.min(...runs)
        : median(runs),
    ),
  ]),
);
for (const dispose of disposers) await dispose();
const peakRss = process.resourceUsage().maxRSS * 1024;

// ---------------------------------------------------------------------------------------------------------------

/** @type {Record<string, unknown>[]} */
const records = [];
/** @type {import("./lib/gate.mjs").StageRatios[]} */
const stageRatios = [];
for (const stage of stages) {
  const entry = perRound.get(stage.id);
  if (entry === undefined) continue;
  const rule = stage.calibration ?? CALIBRATION_RULES.scalar;
  const byFloor = rule.divide === 'floor';
  const ratios = roundRatios(
    entry.leastCpu,
    byFloor ? entry.leastCpu.map(() => computeFloorMs) : entry.leastCalibrationCpu,
  );
  stageRatios.push({ stage: stage.id, roundRatios: ratios });
  const ms = median(entry.stage);
  records.push({
    impl: stage.impl,
    model: stage.model,
    backend: 'cpu',
    dtype: stage.dtype,
    batch: stage.batch,
    stage: stage.id.split('/')[0],
    id: stage.id,
    audio_s: stage.audioS,
    wall_s: roundTo(ms / 1000),
    rtfx: stage.audioS === null ? null : roundTo(stage.audioS / (ms / 1000)),
    unit: stage.perToken ? 'ms per token' : 'ms per call',
    peak_mem_bytes: peakRss,
    commit,
    host,
    threads,
    timed: stage.what,
    weights: stage.model === null ? null : `@verbatim/reference seed ${WEIGHTS_SEED}, ggml ${stage.dtype}`,
    rounds_ms: entry.stage.map((value) => roundTo(value)),
    calibration: stage.calibration ?? CALIBRATION_RULES.scalar,
    calibration_rounds_ms: entry.calibration.map((value) => roundTo(value)),
    cpu_rounds_ms: entry.stageCpu.map((value) => roundTo(value)),
    least_cpu_rounds_ms: entry.leastCpu.map((value) => roundTo(value)),
    least_calibration_cpu_rounds_ms: entry.leastCalibrationCpu.map((value) => roundTo(value)),
    calibration_cpu_rounds_ms: entry.calibrationCpu.map((value) => roundTo(value)),
    ratio_to_calibration: roundTo(median(ratios)),
    round_ratios: ratios.map((ratio) => roundTo(ratio)),
    ...(plant && plantedFactor(plant, stage.id) !== 1
      ? { planted_factor: plantedFactor(plant, stage.id) }
      : {}),
  });
}

if (withPeer) {
  if (!existsSync(WHISPER_BENCH)) {
    process.stderr.write('building the whisper.cpp peer (scripts/build-whisper-cpp.sh, once) …\n');
    execFileSync('bash', [join(PACKAGE_DIR, 'scripts', 'build-whisper-cpp.sh')], { stdio: ['ignore', 2, 2] });
  }
  for (const model of models) {
    for (const dtype of dtypes) {
      const runs = [];
      for (let round = 0; round < peerRounds; round++) {
        runs.push(runWhisperBench(seededGgmlWeights(model, dtype), threads));
        process.stderr.write(
          `[peer ${round + 1}/${peerRounds}] whisper.cpp ${model}/${dtype}: encode ${runs.at(-1)?.encodeMs} ms, step ${runs.at(-1)?.stepMs} ms\n`,
        );
      }
      const encodeMs = median(runs.map((run) => run.encodeMs));
      const stepMs = median(runs.map((run) => run.stepMs));
      const e2eMs = encodeMs + FIXED_NEW_TOKENS * stepMs;
      const common = {
        impl: 'whisper.cpp',
        model,
        backend: 'cpu',
        dtype,
        batch: 1,
        peak_mem_bytes: Math.max(...runs.map((run) => run.peakBytes ?? 0)) || null,
        commit,
        host,
        threads,
        weights: `@verbatim/reference seed ${WEIGHTS_SEED}, ggml ${dtype} (the same file as ours)`,
        system_info: runs[0]?.systemInfo,
      };
      const peer =
        'whisper-bench of whisper.cpp 1.9.1 built here for this CPU (scripts/build-whisper-cpp.sh: GGML_NATIVE = AVX-512, flash attention on)';
      records.push(
        {
          ...common,
          stage: 'encoder',
          id: `encoder/${model}/${dtype}`,
          audio_s: WINDOW_S,
          wall_s: roundTo(encodeMs / 1000),
          rtfx: roundTo(WINDOW_S / (encodeMs / 1000)),
          unit: 'ms per call',
          timed: `${peer}: whisper_encode() = conv + encoder + cross K/V graphs (ours: encoder alone; cross K/V is in our decode), one call after a heat call`,
          rounds_ms: runs.map((run) => run.encodeMs),
        },
        {
          ...common,
          stage: 'decode-step',
          id: `decode-step/${model}/${dtype}`,
          audio_s: null,
          wall_s: roundTo(stepMs / 1000),
          rtfx: null,
          unit: 'ms per token',
          timed: `${peer}: mean of 256 whisper_decode(1 token) calls at positions 0..255, logits over the vocabulary, no sampling`,
          rounds_ms: runs.map((run) => run.stepMs),
        },
        {
          ...common,
          stage: 'e2e',
          id: `e2e/${model}/${dtype}/b1`,
          audio_s: WINDOW_S,
          wall_s: roundTo(e2eMs / 1000),
          rtfx: roundTo(WINDOW_S / (e2eMs / 1000)),
          unit: 'ms per call',
          timed: `DERIVED from ${peer}: encode + ${FIXED_NEW_TOKENS} × decode step for one 30 s window (model only: no WAV read, no mel, no sampling — ours includes those)`,
          rounds_ms: runs.map((run) => roundTo(run.encodeMs + FIXED_NEW_TOKENS * run.stepMs)),
        },
      );
    }
  }
}
loadAverages.push({ at: 'end', load: loadAverage() });

// ---------------------------------------------------------------------------------------------------------------

/** How the table marks a stage not divided by the compute kernel around its calls. @param {{ kernel: string, divide: string }} rule */
const calibrationNote = (rule) =>
  rule.kernel === 'memory' ? ' (memory)' : rule.divide === 'floor' ? ' (floor)' : '';
/** @param {number} ms */
const formatMs = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
const ours = records.filter((record) => record.impl === 'verbatim');
const peerById = new Map(
  records.filter((record) => record.impl === 'whisper.cpp').map((record) => [record.id, record]),
);
const header = [
  'stage',
  'ms (median)',
  'RTFx',
  'CPU × calibration',
  'round spread',
  ...(withPeer ? ['whisper.cpp ms', 'whisper.cpp / ours'] : []),
];
const rows = ours.map((record) => {
  const ratios = stageRatios.find((entry) => entry.stage === record.id)?.roundRatios ?? [];
  const spread = Math.max(...ratios) / Math.min(...ratios) - 1;
  const ms = Number(record.wall_s) * 1000;
  const peer = peerById.get(String(record.id));
  const peerMs = peer === undefined ? undefined : Number(peer.wall_s) * 1000;
  return [
    `${record.id}${record.unit === 'ms per token' ? ' (per token)' : ''}`,
    formatMs(ms),
    record.rtfx === null ? '' : `${Number(record.rtfx).toFixed(1)}×`,
    `${Number(record.ratio_to_calibration).toPrecision(4)}${calibrationNote(/** @type {any} */ (record.calibration))}`,
    `±${((spread / 2) * 100).toFixed(1)}%`,
    ...(withPeer
      ? [
          peerMs === undefined ? '' : formatMs(peerMs),
          peerMs === undefined ? '' : `${(peerMs / ms).toFixed(2)}×`,
        ]
      : []),
  ];
});
const table = [header, header.map(() => '---'), ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n');
console.log(
  `\n${table}\n\n${mode} suite: ${rounds} rounds in ${roundsSeconds.toFixed(1)} s (medians over rounds; ` +
    `"round spread" = half the max/min range of the per-round ratios); host speed (CPU ms): compute floor ${speed.compute?.toFixed(2)}, ` +
    `memory median ${speed.memory?.toFixed(2)}; ` +
    `${threads} threads; load average ${loadAverages.map(({ load }) => load[0]).join(' → ')}; ${host}; commit ${commit}`,
);

const summary = {
  benchmark: `bench-${mode}`,
  started_at: startedAt.toISOString(),
  host,
  machine,
  commit,
  threads,
  rounds,
  rounds_seconds: roundTo(roundsSeconds),
  tinybench_task: {
    time_ms: TASK_TIME_MS,
    min_iterations: TASK_ITERATIONS,
    heavy_iterations: HEAVY_ITERATIONS,
  },
  calibration: CALIBRATION_WHAT,
  host_speed_cpu_ms: speed,
  planted: plant ?? null,
  load_average_1_5_15: loadAverages,
  method:
    "each round runs every stage (in a rotated order) as a tinybench task (≥ 5 calls and ≥ time_ms, the encoder and end-to-end stages 3 calls, decode-step 5; one warm-up call in round 1, and every round for the light stages); every call is bracketed by runs of its stage's calibration kernel (compute, or memory for decode-step; about a quarter of the call on each side), measuring wall and process CPU time of both; a round keeps the median call (wall) and the least CPU time of a call, divided by the least CPU time of the kernel runs around a call of the round or, for the native SIMD stages (mel-native, encoder, e2e), by the compute kernel's floor (the least CPU time of any one run of it in the process); records hold the medians over rounds (ratio_to_calibration: the median of the rounds' ratios, what the gate compares); peak_mem_bytes of our stages = the whole benchmark process (Node included)",
  table_markdown: table,
  records,
};
if (!options['no-save']) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = startedAt.toISOString().replace(/:/g, '-').replace(/\..*$/, '');
  const file = join(RESULTS_DIR, `${stamp}-bench-${mode}.json`);
  writeFileSync(file, formatJson(summary));
  biomeFormat([file]);
  appendFileSync(
    join(RESULTS_DIR, 'history.jsonl'),
    `${JSON.stringify({
      started_at: summary.started_at,
      benchmark: summary.benchmark,
      commit,
      host,
      threads,
      rounds,
      planted: summary.planted,
      load_1min: loadAverages.map(({ load }) => load[0]),
      stages: Object.fromEntries(
        records.map((record) => [
          `${record.impl}:${record.id}`,
          {
            ms: roundTo(Number(record.wall_s) * 1000),
            rtfx: record.rtfx,
            ratio_to_calibration: record.ratio_to_calibration ?? null,
          },
        ]),
      ),
    })}\n`,
  );
  console.log(`records: ${file} (+ one line in ${join(RESULTS_DIR, 'history.jsonl')})`);
  if (mode === 'full' && RESULTS_DIR === DEFAULT_RESULTS_DIR)
    console.log(writeReport(RESULTS_DIR, join(PACKAGE_DIR, 'REPORT.md')));
}

if (options.gate) {
  if (!existsSync(BASELINE_FILE)) {
    console.error(
      `bench gate: no ${BASELINE_FILE}; create it with pnpm -F @verbatim/benchmarks bench:update-baseline`,
    );
    process.exit(1);
  }
  const baseline = JSON.parse(readFileSync(BASELINE_FILE, 'utf8'));
  const here = cpuSignature();
  const sameHost = hostMatches(hostIdentifyingFigures(baseline.host_speed_cpu_ms), speed);
  if (JSON.stringify(baseline.cpu) !== JSON.stringify(here)) {
    // Ratios to the calibration kernel cancel a machine's speed, not its instruction set: no verdict across CPUs.
    console.log(
      `\nbench gate: not applicable here: the baseline was measured on ${JSON.stringify(baseline.cpu)}, this ` +
        `machine is ${JSON.stringify(here)}; record a baseline on this kind of machine with ` +
        'pnpm -F @verbatim/benchmarks bench:update-baseline',
    );
  } else if (!sameHost.matches) {
    // Same CPU name, another kind of host: its arithmetic and memory speeds stand in another proportion, so its ratios
    // are not the baseline's (GATE.md, session 12). Say so loudly rather than pass or fail on a different machine.
    console.log(
      `\nbench gate: not applicable here: this host's calibration speeds are not the baseline's (${sameHost.why}; ` +
        `tolerance ×${HOST_SPEED_TOLERANCE}); record a baseline on this kind of machine with pnpm -F @verbatim/benchmarks bench:update-baseline`,
    );
  } else {
    const result = compareWithBaseline(baseline, stageRatios);
    console.log(`\n${formatGateReport(result, rounds)}`);
    if (!result.passed) process.exitCode = 1;
  }
}
