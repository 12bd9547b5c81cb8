#!/usr/bin/env node
// @ts-check
/**
 * CPU engine vs whisper.cpp, side by side in one run on this machine, on the SAME ggml files (seeded weights from
 * @verbatim/reference), with the same thread count. Method: shared/docs/performance.md; what each side times:
 * benchmarks/README.md and the `timed` field of every record.
 *
 *   node benchmarks/src/cpu-engine-vs-whisper-cpp.mjs [--models tiny,base] [--dtypes f32,f16] [--rounds 5]
 *        [--repeats 3] [--threads 2] [--prebuilt tiny] [--out FILE]
 *
 * Each round runs every (model, dtype) once per implementation, each in a fresh process, alternating which goes
 * first; the table shows medians over rounds. Never fails on time: exit code 1 only when something could not run.
 * Needs `pnpm build` (the engine) and `bash benchmarks/scripts/build-whisper-cpp.sh` (whisper-bench for this CPU).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatJson } from './lib/format-json.mjs';
import { gitCommit, loadAverage } from './lib/run-info.mjs';
import {
  JFK_WAV,
  PACKAGE_DIR,
  REPO_ROOT,
  seededGgmlWeights,
  sharedDir,
  WEIGHTS_SEED,
} from './lib/seeded-weights.mjs';
import { median } from './lib/stats.mjs';
import { runMeasured, runWhisperBench, WHISPER_BENCH } from './lib/whisper-cpp.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const SEED = WEIGHTS_SEED;
const WINDOW_S = 30;
const WAV = JFK_WAV;

const { values: options } = parseArgs({
  options: {
    models: { type: 'string', default: 'tiny,base' },
    dtypes: { type: 'string', default: 'f32,f16' },
    rounds: { type: 'string', default: '5' },
    repeats: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
    prebuilt: { type: 'string', default: '' },
    out: { type: 'string' },
  },
});
const models = String(options.models).split(',').filter(Boolean);
const dtypes = /** @type {('f32' | 'f16')[]} */ (String(options.dtypes).split(',').filter(Boolean));
const rounds = Number(options.rounds);
const repeats = Number(options.repeats);
const threads = Number(options.threads);
const prebuiltModels = String(options.prebuilt).split(',').filter(Boolean);

/** @param {string} stdout */
function resultLine(stdout) {
  const line = stdout.split('\n').find((text) => text.startsWith('RESULT '));
  if (line === undefined) throw new Error(`no RESULT line in:\n${stdout}`);
  return JSON.parse(line.slice('RESULT '.length));
}

/** @type {Record<string, (file: string) => {sample: any, peakBytes: number | null}>} */
const IMPLS = {
  verbatim(file) {
    const worker = join(HERE, 'workers', 'verbatim-cpu.mjs');
    const run = runMeasured(process.execPath, [
      worker,
      file,
      String(threads),
      String(repeats),
      join(sharedDir(), WAV),
    ]);
    return { sample: resultLine(run.stdout), peakBytes: run.peakBytes };
  },
  'whisper.cpp'(file) {
    const { encodeMs, stepMs, peakBytes, ...rest } = runWhisperBench(file, threads);
    return { sample: { ...rest, encodeMs: [encodeMs], stepMs: [stepMs] }, peakBytes };
  },
  'whisper.cpp-npm-prebuilt'(file) {
    const worker = join(HERE, 'workers', 'whisper-cpp-npm.mjs');
    const run = runMeasured(process.execPath, [worker, file, String(threads)]);
    return { sample: resultLine(run.stdout), peakBytes: run.peakBytes };
  },
};

// ---------------------------------------------------------------------------------------------------------------

if (!existsSync(WHISPER_BENCH)) {
  console.error(`missing ${WHISPER_BENCH}: run  bash benchmarks/scripts/build-whisper-cpp.sh  first`);
  process.exit(1);
}
const configs = models.flatMap((model) =>
  dtypes.map((dtype) => ({ model, dtype, file: seededGgmlWeights(model, dtype) })),
);
const host = `${os.cpus()[0]?.model.trim() ?? 'unknown CPU'} × ${os.cpus().length} (${os.hostname()})`;
const commit = gitCommit(REPO_ROOT);
const startedAt = new Date();
const loadAverages = [{ at: 'start', load: loadAverage() }];
/** @type {Map<string, {samples: any[], peaks: (number | null)[]}>} */
const collected = new Map();
const key = (/** @type {string} */ impl, /** @type {string} */ model, /** @type {string} */ dtype) =>
  `${impl}|${model}|${dtype}`;

/** @param {string} impl @param {{model: string, dtype: string, file: string}} config @param {string} label */
function measure(impl, config, label) {
  const started = performance.now();
  const run = IMPLS[impl];
  if (run === undefined) throw new Error(`unknown impl ${impl}`);
  const { sample, peakBytes } = run(config.file);
  const entry = collected.get(key(impl, config.model, config.dtype)) ?? { samples: [], peaks: [] };
  entry.samples.push(sample);
  entry.peaks.push(peakBytes);
  collected.set(key(impl, config.model, config.dtype), entry);
  const encode = median(sample.encodeMs).toFixed(1);
  const step = median(sample.stepMs).toFixed(2);
  console.error(
    `${label} ${impl.padEnd(24)} ${config.model}/${config.dtype}: encode ${encode} ms, step ${step} ms ` +
      `(${((performance.now() - started) / 1000).toFixed(1)} s, load avg ${loadAverage().join(' ')})`,
  );
}

console.error(
  `cpu-engine-vs-whisper-cpp: ${configs.length} configs × ${rounds} rounds, ${threads} threads, ${host}, ` +
    `load avg ${loadAverage().join(' ')}`,
);
for (const config of configs.filter((config) => prebuiltModels.includes(config.model))) {
  measure('whisper.cpp-npm-prebuilt', config, '[prebuilt]');
}
for (let round = 0; round < rounds; round++) {
  for (const config of configs) {
    const order = round % 2 === 0 ? ['verbatim', 'whisper.cpp'] : ['whisper.cpp', 'verbatim'];
    for (const impl of order) measure(impl, config, `[round ${round + 1}/${rounds}]`);
  }
  loadAverages.push({ at: `after round ${round + 1}`, load: loadAverage() });
}

// ---------------------------------------------------------------------------------------------------------------

const TIMED = {
  verbatim: {
    encode:
      'model.encode(mel, 1) through the Node binding: conv front-end + encoder blocks + final LayerNorm of one 30 s window; mel precomputed, output kept native. Median of the repeats after a warm-up encode',
    'encode+cross-kv':
      "encode as above + the cross-attention K/V of every decoder layer over the 1500 frames, estimated as (first append of <|startoftranscript|>) - (mean decode step): the same work as whisper.cpp's timed encode",
    'decode-step':
      'mean over 255 single-token DecoderSession.append() calls at positions 1..255 (greedy; argmax outside the timed region): all decoder layers over the KV cache + logits over the full vocabulary copied into a JS Float32Array, binding dispatch included',
  },
  'whisper.cpp': {
    'encode+cross-kv':
      'whisper-bench (whisper.cpp 1.9.1 built here for this CPU, GGML_NATIVE, flash attention on = its default): whisper_encode() = conv graph (mel copied in) + encoder graph + cross K/V graph, one call after a heat call; encode_ms of whisper_print_timings',
    'decode-step':
      'whisper-bench: mean of 256 whisper_decode(1 token) calls at positions 0..255 (decode_ms of whisper_print_timings): KV slot, graph build, all decoder layers (KV padded to 256 with flash attention) + logits over the full vocabulary copied to the state; no sampling',
  },
  'whisper.cpp-npm-prebuilt': {
    'encode+cross-kv':
      '@fugood/node-whisper-linux-x64 1.1.3 (whisper.cpp 1.9.3 prebuilt, NO SIMD: baseline x86-64) bench(): same sequence and same timer as whisper-bench, flash attention on; one call',
    'decode-step': '@fugood/node-whisper-linux-x64 bench(): decode_ms, as whisper-bench; one call',
  },
};

/** Per round: the median of that process's repeats. @param {any[]} samples @param {(s: any) => number} pick */
const perRound = (samples, pick) => samples.map(pick);

/** @type {any[]} */
const records = [];
/** @type {Map<string, number>} median ms by impl|model|dtype|stage */
const medians = new Map();
for (const [entryKey, { samples, peaks }] of collected) {
  const [impl, model, dtype] = /** @type {[keyof typeof TIMED, string, string]} */ (entryKey.split('|'));
  /** @type {Record<string, number[]>} */
  const stages =
    impl === 'verbatim'
      ? {
          encode: perRound(samples, (s) => median(s.encodeMs)),
          'encode+cross-kv': perRound(
            samples,
            (s) =>
              median(s.encodeMs) +
              median(
                s.firstAppendMs.map(
                  (/** @type {number} */ first, /** @type {number} */ i) => first - s.stepMs[i],
                ),
              ),
          ),
          'decode-step': perRound(samples, (s) => median(s.stepMs)),
        }
      : {
          'encode+cross-kv': perRound(samples, (s) => median(s.encodeMs)),
          'decode-step': perRound(samples, (s) => median(s.stepMs)),
        };
  const finitePeaks = peaks.filter((peak) => peak !== null);
  for (const [stage, values] of Object.entries(stages)) {
    const ms = median(values);
    medians.set(`${entryKey}|${stage}`, ms);
    const isWindow = stage !== 'decode-step';
    records.push({
      impl,
      model,
      backend: 'cpu',
      dtype,
      batch: 1,
      stage,
      audio_s: isWindow ? WINDOW_S : null,
      wall_s: ms / 1000,
      rtfx: isWindow ? WINDOW_S / (ms / 1000) : null,
      peak_mem_bytes: finitePeaks.length > 0 ? Math.max(...finitePeaks) : null,
      commit,
      host,
      threads,
      weights: `@verbatim/reference seed ${SEED}, whisper.cpp ggml ${dtype} file (the same file for every impl)`,
      timed: TIMED[impl][/** @type {never} */ (stage)],
      rounds_ms: values.map((value) => Math.round(value * 1000) / 1000),
      ...(impl === 'verbatim' ? {} : { system_info: samples[0].systemInfo }),
      ...(impl === 'verbatim' || stage !== 'decode-step'
        ? {}
        : {
            batchd_ms_per_token: median(samples.map((s) => s.batchdMs)),
            prompt_ms_per_token: median(samples.map((s) => s.promptMs)),
          }),
      load_ms: median(samples.map((s) => s.loadMs)),
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------

const rows = [];
for (const { model, dtype } of configs) {
  for (const [stage, label] of [
    ['encode+cross-kv', 'encoder, 30 s window (conv + encoder + cross K/V)'],
    ['decode-step', 'decoder, per token, batch 1'],
  ]) {
    const ours = medians.get(`verbatim|${model}|${dtype}|${stage}`);
    const peer = medians.get(`whisper.cpp|${model}|${dtype}|${stage}`);
    const prebuilt = medians.get(`whisper.cpp-npm-prebuilt|${model}|${dtype}|${stage}`);
    if (ours === undefined || peer === undefined) continue;
    rows.push([
      model,
      dtype,
      label,
      ours.toFixed(stage === 'decode-step' ? 2 : 1),
      peer.toFixed(stage === 'decode-step' ? 2 : 1),
      `${(peer / ours).toFixed(2)}×`,
      prebuilt === undefined
        ? ''
        : `${prebuilt.toFixed(stage === 'decode-step' ? 2 : 1)} (${(prebuilt / ours).toFixed(1)}×)`,
    ]);
  }
  const encodeOnly = medians.get(`verbatim|${model}|${dtype}|encode`);
  if (encodeOnly !== undefined)
    rows.push([
      model,
      dtype,
      'ours encode() alone (no cross K/V), for reference',
      encodeOnly.toFixed(1),
      '',
      '',
      '',
    ]);
}
const header = [
  'model',
  'dtype',
  'stage',
  'ours ms',
  'whisper.cpp ms',
  'ratio (whisper.cpp / ours)',
  'npm prebuilt ms (prebuilt / ours)',
];
const table = [header, header.map(() => '---'), ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n');
loadAverages.push({ at: 'end', load: loadAverage() });

const date = startedAt.toISOString().slice(0, 10);
const outFile = options.out ?? join(PACKAGE_DIR, 'results', `${date}-cpu-engine-vs-whisper-cpp.json`);
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(
  outFile,
  formatJson({
    benchmark: 'cpu-engine-vs-whisper-cpp',
    started_at: startedAt.toISOString(),
    host,
    commit,
    threads,
    rounds,
    repeats_per_round: repeats,
    node: process.version,
    load_average_1_5_15: loadAverages,
    method:
      "each round runs every (model, dtype) once per impl, each in a fresh process, the order alternating between rounds; a record holds the median over rounds (rounds_ms: one value per round, the median of that process's repeats); ratio = whisper.cpp / ours (> 1: we are faster); peak_mem_bytes: max resident set of the measuring process (ours and the npm prebuilt: a Node process; whisper.cpp: the whisper-bench binary)",
    table_markdown: table,
    records,
  }),
);
console.log(
  `\n${table}\n\n${date}, ${host}, ${threads} threads, medians of ${rounds} rounds; load average ` +
    `${loadAverages.map(({ load }) => load[0]).join(' → ')}\nrecords: ${outFile}`,
);
