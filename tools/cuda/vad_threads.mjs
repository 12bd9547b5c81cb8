// @ts-check
// Silero VAD over a long WAV on the host CPU, by worker threads: started for each call (speechProbabilities'
// `threads`) against started once (SileroWorkers, as a Transcriber does), alternating for ROUNDS rounds, medians
// printed, and whether every run's probabilities match one thread's bit for bit. Where the threads' start goes
// and how far the pieces scale with the cores (session 13 asks this of the GPU machine's 16-core host).
//   node tools/cuda/vad_threads.mjs [APP_DIR] LONG.wav [THREADS=2,4,8,16] [ROUNDS=3]
//   APP_DIR: the deployed CLI of .carry/e2e-app (on the GPU machine); left out, this checkout's built packages/vad.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const appDir = args[0] !== undefined && !args[0].endsWith('.wav') ? args.shift() : undefined;
const [wavPath, threadList = '2,4,8,16', roundsArg = '3'] = args;
if (wavPath === undefined) throw new Error('usage: vad_threads.mjs [APP_DIR] LONG.wav [THREADS] [ROUNDS]');
const vadModule =
  appDir === undefined
    ? new URL('../../packages/vad/dist/index.js', import.meta.url).pathname
    : join(
        appDir,
        'node_modules/.pnpm/@verbatim+vad@file+packages+vad/node_modules/@verbatim/vad/dist/index.js',
      );
if (!existsSync(vadModule)) throw new Error(`no built @verbatim/vad at ${vadModule} (pnpm build)`);
const { SileroModel, SileroWorkers, speechProbabilities } = await import(pathToFileURL(vadModule).href);

/** A 16 kHz mono 16-bit WAV's samples (what e2e_run.sh and long_wav.py write). */
function readWav(path) {
  const bytes = readFileSync(path);
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = bytes.toString('ascii', at, at + 4);
    const size = bytes.readUInt32LE(at + 4);
    if (id === 'data') {
      const pcm = new Int16Array(bytes.buffer, bytes.byteOffset + at + 8, size / 2);
      return Float32Array.from(pcm, (v) => v / 32768);
    }
    at += 8 + size + (size % 2);
  }
  throw new Error(`${path}: no data chunk`);
}

const seconds = async (run) => {
  const t0 = performance.now();
  const result = await run();
  return { s: (performance.now() - t0) / 1000, result };
};
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const samples = readWav(wavPath);
const rounds = Number(roundsArg);
console.log(
  `${(samples.length / 16000 / 60).toFixed(1)} min, ${availableParallelism()} cores, ${rounds} rounds`,
);
const model = await SileroModel.load('v6');
const one = await seconds(() => speechProbabilities(samples, { model }));
const reference = one.result.probabilities;
console.log(`1 thread (this one): ${one.s.toFixed(2)} s`);
const lines = [];
for (const threads of threadList.split(',').map(Number)) {
  const started = await seconds(() => SileroWorkers.start('v6', { threads }));
  const workers = started.result;
  const perCall = [];
  const once = [];
  let same = true;
  for (let round = 0; round < rounds; round++) {
    const a = await seconds(() => speechProbabilities(samples, { model, threads }));
    const b = await seconds(() => speechProbabilities(samples, { model: workers }));
    perCall.push(a.s);
    once.push(b.s);
    for (const { result } of [a, b]) same &&= result.probabilities.every((p, i) => p === reference[i]);
  }
  await workers.dispose();
  lines.push(
    `| ${threads} | ${median(perCall).toFixed(2)} | ${median(once).toFixed(2)} | ${started.s.toFixed(2)} | ${same} |`,
  );
}
await model.dispose();
console.log('| threads | started per call s | started once s | their start s | same bits |');
console.log('| ------- | ------------------ | -------------- | ------------- | --------- |');
for (const line of lines) console.log(line);
