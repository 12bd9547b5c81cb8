#!/usr/bin/env node
// @ts-check
/**
 * Long-form, end to end: the ≥ 30-minute recording of tools/longform (synthesized test-split speech with known
 * utterance times) → transcript, with @verbatim/pipeline's transcribe (VAD-batched, default options, CPU; and the
 * sequential seek loop for comparison), then checked against its reference for lost or duplicated speech.
 *
 *   node benchmarks/src/long-form.mjs --model PATH [--model-label TEXT] [--reference FILE] [--modes vad,sequential]
 *        [--runs 3] [--threads auto] [--out FILE]
 *
 * Each run of each mode is a fresh process (workers/long-form-transcribe.mjs), the order of the modes alternating
 * between runs. RTFx = audio seconds / wall seconds of file → transcript (WAV read, VAD and language vote, log-mel,
 * encoder, decoder); the model load is timed apart. The check (long-form/check-transcript.mjs) runs on each mode's
 * last transcript, with the VAD chunks recomputed by the worker with the run's resolved VAD options. Writes
 * results/<date>-long-form.json. Never fails on time or on the check's findings: exit code 1 only when something
 * could not run. The recording: `pnpm -F @verbatim/benchmarks build:long-form` (tools/longform/build_longform.py).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatJson } from './lib/format-json.mjs';
import { gitCommit, loadAverage, machineInfo } from './lib/run-info.mjs';
import { formatCheckSummary, summarizeCheck } from './long-form/check-summary.mjs';
import { checkLongForm } from './long-form/check-transcript.mjs';
import { readLongFormReference, readTranscriptSegments } from './long-form/long-form-files.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const PACKAGE_DIR = resolve(HERE, '..');
const REPO_ROOT = resolve(PACKAGE_DIR, '..');
const DEFAULT_REFERENCE = join(REPO_ROOT, 'tools', 'longform', '.cache', 'longform-s1-31min.json');
const WORKER = join(HERE, 'workers', 'long-form-transcribe.mjs');

const { values: options } = parseArgs({
  options: {
    model: { type: 'string', default: 'demo' },
    'model-label': { type: 'string' },
    reference: { type: 'string', default: DEFAULT_REFERENCE },
    modes: { type: 'string', default: 'vad,sequential' },
    runs: { type: 'string', default: '3' },
    threads: { type: 'string', default: 'auto' },
    out: { type: 'string' },
  },
});
const modes = String(options.modes).split(',').filter(Boolean);
const runs = Number(options.runs);
if (!modes.every((mode) => mode === 'vad' || mode === 'sequential') || !(runs >= 1)) {
  console.error('long-form: --modes takes vad and/or sequential, --runs a positive integer');
  process.exit(1);
}
const model = String(options.model);
const modelLabel = options['model-label'] ?? model;
const referencePath = resolve(String(options.reference));
if (!existsSync(referencePath)) {
  console.error(`long-form: no ${referencePath}: run  pnpm -F @verbatim/benchmarks build:long-form  first`);
  process.exit(1);
}
const reference = readLongFormReference(referencePath);
const wavBytes = readFileSync(reference.wavPath);
const wavSha256 = createHash('sha256').update(wavBytes).digest('hex');
if (wavSha256 !== reference.wavSha256) {
  console.error(
    `long-form: ${reference.wavPath} is not the recording ${referencePath} describes (SHA-256 differs)`,
  );
  process.exit(1);
}

/** @param {number[]} values @returns {number} */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const at = (/** @type {number} */ index) => sorted[index] ?? Number.NaN;
  return sorted.length % 2 === 1 ? at(middle) : (at(middle - 1) + at(middle)) / 2;
}

/** @param {number} value @param {number} digits */
const round = (value, digits) => Math.round(value * 10 ** digits) / 10 ** digits;

const scratch = mkdtempSync(join(os.tmpdir(), 'verbatim-long-form-'));
/**
 * One transcription in a fresh process.
 * @param {string} mode @param {number} run
 */
function transcribeOnce(mode, run) {
  const transcript = join(scratch, `${mode}-${run}.json`);
  const chunks = join(scratch, `${mode}-${run}-chunks.json`);
  const args = [WORKER, reference.wavPath, model, mode, String(options.threads), transcript];
  if (mode === 'vad') args.push(chunks);
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (child.status !== 0) {
    throw new Error(
      `${mode} run ${run} exited ${child.status}:\n${child.stderr.slice(-4000)}${child.stdout}`,
    );
  }
  const line = child.stdout.split('\n').find((text) => text.startsWith('RESULT '));
  if (line === undefined) throw new Error(`no RESULT line from the ${mode} worker:\n${child.stdout}`);
  return {
    result: JSON.parse(line.slice('RESULT '.length)),
    transcript,
    transcriptSha256: createHash('sha256').update(readFileSync(transcript)).digest('hex'),
    chunks: mode === 'vad' ? chunks : undefined,
  };
}

const commit = gitCommit(REPO_ROOT);
const machine = machineInfo();
const host = `${machine.cpu} × ${machine.logical_cpus} (${machine.hostname})`;
const startedAt = new Date();
const loadAverages = [{ at: 'start', load: loadAverage() }];
console.error(
  `long-form: ${reference.durationS.toFixed(1)} s of audio, ${reference.utterances.length} utterances; ` +
    `modes ${modes.join(', ')} × ${runs} runs; model ${modelLabel}; ${host}`,
);

/** @type {Record<string, ReturnType<typeof transcribeOnce>[]>} */
const byMode = Object.fromEntries(modes.map((mode) => [mode, []]));
for (let run = 0; run < runs; run++) {
  const order = run % 2 === 0 ? modes : [...modes].reverse();
  for (const mode of order) {
    const measured = transcribeOnce(mode, run);
    byMode[mode]?.push(measured);
    const { totalS, audioS, loadS } = measured.result;
    console.error(
      `  run ${run + 1}/${runs} ${mode}: ${totalS.toFixed(1)} s (${(audioS / totalS).toFixed(1)}× real time), ` +
        `model load ${loadS.toFixed(2)} s`,
    );
    loadAverages.push({ at: `after run ${run + 1} ${mode}`, load: loadAverage() });
  }
}

const records = [];
const checks = [];
for (const mode of modes) {
  const measured = byMode[mode] ?? [];
  const last = measured.at(-1);
  if (last === undefined) continue;
  const results = measured.map((m) => m.result);
  const series = (/** @type {string} */ key) => results.map((result) => result[key]);
  /** The median over the runs of one of the pipeline's own stage times (info.stageTimes), in seconds. */
  const stageMedian = (/** @type {string} */ key) =>
    round(median(results.map((result) => result.stageTimes[key])), 3);
  const wallS = median(series('totalS'));
  const audioS = last.result.audioS;
  const chunks = last.chunks === undefined ? undefined : JSON.parse(readFileSync(last.chunks, 'utf8'));
  const check = checkLongForm(reference.utterances, readTranscriptSegments(last.transcript), { chunks });
  const summary = summarizeCheck(check, reference.utterances, reference.sampleRateHz);
  checks.push({ mode, summary });
  const opts = last.result.options;
  records.push({
    impl: 'verbatim',
    model: modelLabel,
    backend: last.result.engine.backend,
    dtype: last.result.engine.weightDtype,
    batch: mode === 'vad' ? opts.batchSize : 1,
    stage: `end-to-end long-form, ${mode} mode (WAV file → transcript; model load excluded)`,
    audio_s: audioS,
    wall_s: round(wallS, 3),
    rtfx: round(audioS / wallS, 2),
    peak_mem_bytes: Math.max(...series('peakRssBytes')),
    commit,
    host,
    mode,
    threads: last.result.engine.threads,
    runs: measured.length,
    runs_wall_s: series('totalS').map((value) => round(value, 3)),
    model_load_s: round(median(series('loadS')), 3),
    stages_s: {
      read_wav: round(median(series('readS')), 3),
      vad_and_language_vote: round(median(series('toInfoS')), 3),
      mel_encode_decode: round(median(series('decodeS')), 3),
      first_segment: round(median(series('firstSegmentS')), 3),
      ...(last.result.vadS !== undefined && { vad_alone_rerun: round(last.result.vadS, 3) }),
    },
    pipeline_stages_s: {
      vad: stageMedian('vadS'),
      language: stageMedian('languageS'),
      log_mel_and_encode: stageMedian('encodeS'),
      decode: stageMedian('decodeS'),
    },
    stages_note:
      'stages_s are timed around the calls here: vad_and_language_vote is transcribe() until it resolves (Silero ' +
      'over the file, chunk merging, the language vote), mel_encode_decode is the iteration of the segments; ' +
      'vad_alone_rerun is the same VAD run again by itself after the timed transcription. pipeline_stages_s are ' +
      "the pipeline's own (info.stageTimes; medians over the runs): log_mel_and_encode is one engine call " +
      '(encodeSamples), so the log-mel has no time of its own',
    audio_after_vad_s: round(last.result.audioAfterVadS, 3),
    ...(last.result.chunks !== undefined && { vad_chunks: last.result.chunks }),
    segments: last.result.segments,
    language: last.result.language,
    transcripts_identical_across_runs: new Set(measured.map((m) => m.transcriptSha256)).size === 1,
    options: opts,
    check: summary,
  });
}
loadAverages.push({ at: 'end', load: loadAverage() });

const lifecycle = process.env.npm_lifecycle_event;
const shellWord = (/** @type {string} */ word) =>
  /^[\w./,:=@+-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
const direct = ['node', relative(REPO_ROOT, process.argv[1] ?? ''), ...process.argv.slice(2)]
  .map(shellWord)
  .join(' ');
const date = startedAt.toISOString().slice(0, 10);
const outFile = options.out ?? join(PACKAGE_DIR, 'results', `${date}-long-form.json`);
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(
  outFile,
  formatJson({
    benchmark: 'long-form',
    started_at: startedAt.toISOString(),
    command: lifecycle === undefined ? direct : `pnpm -F @verbatim/benchmarks ${lifecycle} (${direct})`,
    host,
    machine,
    commit,
    model: { given: model, label: modelLabel },
    recording: {
      reference: relative(REPO_ROOT, referencePath),
      wav_sha256: wavSha256,
      duration_s: reference.durationS,
      speech_s: reference.speechS,
      utterances: reference.utterances.length,
      settings: reference.settings,
      built_by: 'python3 tools/longform/build_longform.py (tools/synth test-split texts and voices, clean)',
    },
    load_average_1_5_15: loadAverages,
    method:
      'each run of each mode in a fresh process, the order of the modes alternating between runs; wall_s is the ' +
      'median over runs of WAV read + transcribe() + iterating every segment (model load excluded, in model_load_s); ' +
      'rtfx = audio_s / wall_s; peak_mem_bytes: max resident set of the worker process (Node runtime and model ' +
      'included), the largest over runs; the check aligns the normalised transcript of the last run to the ' +
      'reference (benchmarks/src/long-form/check-transcript.mjs)',
    records,
  }),
);
rmSync(scratch, { recursive: true, force: true });

for (const { mode, summary } of checks) {
  const record = records.find((r) => r.mode === mode);
  console.log(
    `\n${mode} mode: ${record?.rtfx}× real time (${record?.wall_s} s for ${record?.audio_s} s of audio, ` +
      `model load ${record?.model_load_s} s apart), peak RSS ${((record?.peak_mem_bytes ?? 0) / 2 ** 20).toFixed(0)} MiB`,
  );
  process.stdout.write(formatCheckSummary(summary));
}
console.log(`\nrecords: ${outFile}`);
