// @ts-check
// On the GPU machine's host CPU: Silero VAD over a long WAV with onnxruntime's intra-op threads 1, 2, 4, 8, 16 and
// 32 or 64 rows a call, each timed once after a warm-up, and whether the probabilities match 1 thread's bit for bit.
//   node tools/cuda/vad_threads.mjs APP_DIR LONG.wav       (APP_DIR: the deployed CLI of .carry/e2e-app)
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [appDir, wavPath] = process.argv.slice(2);
if (appDir === undefined || wavPath === undefined) throw new Error('usage: vad_threads.mjs APP_DIR LONG.wav');
const vadModule = join(
  appDir,
  'node_modules/.pnpm/@verbatim+vad@file+packages+vad/node_modules/@verbatim/vad/dist/index.js',
);
const { SileroModel, speechProbabilities } = await import(pathToFileURL(vadModule).href);

/** A 16 kHz mono 16-bit WAV's samples (what e2e_run.sh writes). */
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

const samples = readWav(wavPath);
console.log(`${(samples.length / 16000 / 60).toFixed(1)} min, ${availableParallelism()} cores`);
let reference;
for (const rows of [32, 64]) {
  for (const threads of [1, 2, 4, 8, 16]) {
    const model = await SileroModel.load('v6', { intraOpThreads: threads });
    await speechProbabilities(samples.subarray(0, 16000 * 60), { model, maxParallelPieces: rows }); // warm-up
    const t0 = performance.now();
    const { probabilities } = await speechProbabilities(samples, { model, maxParallelPieces: rows });
    const s = (performance.now() - t0) / 1000;
    reference ??= probabilities;
    const same = probabilities.every((p, i) => p === reference[i]);
    console.log(
      `rows ${rows} threads ${threads}: ${s.toFixed(2)} s (${(samples.length / 16000 / s).toFixed(0)}x) same bits ${same}`,
    );
    await model.dispose();
  }
}
