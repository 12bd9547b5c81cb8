// @ts-check
/**
 * One round of the PREBUILT whisper.cpp from npm (@fugood/node-whisper-linux-x64 1.1.3 = whisper.cpp 1.9.3, CPU) on
 * one model file, in a process of its own. Usage: node whisper-cpp-npm.mjs <model file> <threads>
 * Runs the binding's bench(threads) once — the same sequence as whisper.cpp's examples/bench (heat: encode, a
 * 256-token prompt and one token; then timed: 1 encode, 256 single-token decodes at positions 0…255, 64 × 5-token
 * batches, 16 × 256-token prompts) — and prints `RESULT {json}` with whisper_get_timings()' per-call averages.
 * This build has no SIMD (its system info lists no AVX/FMA/F16C; index.node holds no ymm/zmm instruction), so
 * it is recorded for reference only; the fair peer is the native build (scripts/build-whisper-cpp.sh).
 */
import { createRequire } from 'node:module';

const [modelPath, threadsArg] = process.argv.slice(2);
if (modelPath === undefined) throw new Error('usage: whisper-cpp-npm.mjs <model> <threads>');
const threads = Number(threadsArg);

const require = createRequire(import.meta.url);
/** @type {any} */
const binding = require('@fugood/node-whisper-linux-x64');
const loadStart = performance.now();
// flash attention on, as whisper.cpp's own default (whisper_context_default_params, examples/bench).
const context = new binding.WhisperContext({ filePath: modelPath, useGpu: false, useFlashAttn: true });
const loadMs = performance.now() - loadStart;
const result = await context.bench(threads);
await context.release();
console.log(
  `RESULT ${JSON.stringify({
    loadMs,
    encodeMs: [result.encodeMs],
    stepMs: [result.decodeMs],
    batchdMs: result.batchdMs,
    promptMs: result.promptMs,
    systemInfo: result.config,
  })}`,
);
