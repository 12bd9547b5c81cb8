// @ts-check
/**
 * One measurement round of OUR engine (@verbatim/mlx-engine, CPU backend) on one model file, in a process of its own.
 * Usage: node verbatim-cpu.mjs <model file> <threads> <repeats> <wav>
 * Prints one line `RESULT {json}` with milliseconds per repeat (after a warm-up that is not kept):
 *   encodeMs        model.encode(mel, 1): conv front-end + encoder blocks + final LayerNorm of one 30 s window, the
 *                   mel precomputed (not timed), the output left in native memory;
 *   firstAppendMs   a new session's first append([<|startoftranscript|>]): the cross-attention K/V of all decoder
 *                   layers over the 1500 frames + one decoder step;
 *   stepMs          mean of 255 single-token append() calls at positions 1…255 (3 forced task tokens, then greedy
 *                   argmax, taken outside the timed region): every decoder layer over the KV cache, the logits over the
 *                   whole vocabulary, copied into the Float32Array append() resolves with — the binding's async
 *                   dispatch and JavaScript validation included.
 */
import { loadAudio } from '@verbatim/audio';
import { loadModel } from '@verbatim/mlx-engine';
import { SpecialTokens } from '@verbatim/reference';

/** Positions 0…255, as whisper.cpp's bench decodes them. */
const DECODE_POSITIONS = 256;
const WARM_UP_STEPS = 32;

const [modelPath, threadsArg, repeatsArg, wavPath] = process.argv.slice(2);
if (modelPath === undefined || wavPath === undefined)
  throw new Error('usage: verbatim-cpu.mjs <model> <threads> <repeats> <wav>');
const threads = Number(threadsArg);
const repeats = Number(repeatsArg);

/** @param {Float32Array} row */
function argmax(row) {
  let best = 0;
  for (let i = 1; i < row.length; i++) if ((row[i] ?? 0) > (row[best] ?? 0)) best = i;
  return best;
}

const loadStart = performance.now();
const model = await loadModel(modelPath, { threads });
const loadMs = performance.now() - loadStart;
const { samples } = await loadAudio(wavPath);
const mel = await model.logMel(samples);
const special = new SpecialTokens(model.info.dims.nVocab);
const forced = [special.startOfTranscript + 1, special.transcribe, special.noTimestamps];

/** @param {import('@verbatim/mlx-engine').EncoderOutput} output @param {number} positions */
async function decodePass(output, positions) {
  const session = model.newDecoderSession(output);
  let start = performance.now();
  let logits = await session.append(Int32Array.of(special.startOfTranscript), 1);
  const firstAppendMs = performance.now() - start;
  let total = 0;
  for (let position = 1; position < positions; position++) {
    const token = forced[position - 1] ?? argmax(logits);
    const tokens = Int32Array.of(token);
    start = performance.now();
    logits = await session.append(tokens, 1);
    total += performance.now() - start;
  }
  await session.dispose();
  return { firstAppendMs, stepMs: total / (positions - 1) };
}

// Warm-up: one encode, one short decode pass (page-in of the weights, thread pool, allocator).
const warm = await model.encode(mel, 1);
await decodePass(warm, WARM_UP_STEPS);
await warm.dispose();

const encodeMs = [];
const firstAppendMs = [];
const stepMs = [];
for (let repeat = 0; repeat < repeats; repeat++) {
  const start = performance.now();
  const output = await model.encode(mel, 1);
  encodeMs.push(performance.now() - start);
  const pass = await decodePass(output, DECODE_POSITIONS);
  firstAppendMs.push(pass.firstAppendMs);
  stepMs.push(pass.stepMs);
  await output.dispose();
}
const { info } = model;
await model.dispose();
console.log(
  `RESULT ${JSON.stringify({
    loadMs,
    encodeMs,
    firstAppendMs,
    stepMs,
    info: {
      format: info.format,
      weightDtype: info.weightDtype,
      threads: info.threads,
      backend: info.backend,
    },
  })}`,
);
