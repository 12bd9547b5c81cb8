// @ts-check
/**
 * The stages `pnpm bench` times with tinybench, in this process, each with what its timed region holds. Inputs are
 * prepared (and models loaded) outside the timed region by prepareInputs() / loadBenchModel(). Durations are ms per
 * call, except decode-step: ms per token.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeWithFfmpeg, logMelSpectrogram, readWav, resample } from '@verbatim/audio';
import { loadModel } from '@verbatim/mlx-engine';
import { SileroModel, speechProbabilities } from '@verbatim/vad';
import { JFK_WAV, seededGgmlWeights } from '../lib/seeded-weights.mjs';
import { CALIBRATION_RULES } from './calibration.mjs';

export const SAMPLE_RATE_HZ = 16_000;
/** Whisper's window: 30 s = 480000 samples at 16 kHz. */
export const WINDOW_S = 30;
/** The fixed-length decode protocol (shared/docs/performance.md): exactly 112 new tokens per 30 s window. */
export const FIXED_NEW_TOKENS = 112;
/** Single-token appends timed per decode-step iteration (positions 4…67, after the start sequence). */
const DECODE_STEPS = 64;
/** 44.1 kHz: the rate the resample stage converts from (CD audio, the most common non-16 kHz input). */
const RESAMPLE_FROM_HZ = 44_100;

/**
 * @typedef {{ id: string, impl: string, model: string | null, dtype: string | null, batch: number,
 *   audioS: number | null, perToken?: boolean, calibration?: import('./calibration.mjs').CalibrationRule, what: string,
 *   fn: () => Promise<StageTiming | undefined> | StageTiming | undefined }} Stage
 *   fn returns its own wall and CPU ms when only part of it is timed (decode-step: per token), else undefined;
 *   calibration: what its time is divided by (default CALIBRATION_RULES.scalar; calibration.mjs says why)
 * @typedef {{ wallMs: number, cpuMs: number }} StageTiming
 */

/** Tiles `samples` to exactly `length` samples. @param {Float32Array} samples @param {number} length */
function tile(samples, length) {
  const out = new Float32Array(length);
  for (let offset = 0; offset < length; offset += samples.length)
    out.set(samples.subarray(0, Math.min(samples.length, length - offset)), offset);
  return out;
}

/** A 16-bit PCM mono WAV file of `samples` (clipped to [-1, 1]). @param {Float32Array} samples @param {number} rateHz */
function encodeWav(samples, rateHz) {
  const dataBytes = samples.length * 2;
  const bytes = new Uint8Array(44 + dataBytes);
  const view = new DataView(bytes.buffer);
  const ascii = (/** @type {number} */ at, /** @type {string} */ text) => {
    for (let i = 0; i < text.length; i++) bytes[at + i] = text.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVEfmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, rateHz, true);
  view.setUint32(28, rateHz * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  for (let i = 0; i < samples.length; i++)
    view.setInt16(44 + 2 * i, Math.round(Math.max(-1, Math.min(1, samples[i] ?? 0)) * 32767), true);
  return bytes;
}

/** The audio every stage reads, prepared once. @param {string} shared the shared/ folder */
export function prepareInputs(shared) {
  const jfkPath = join(shared, JFK_WAV);
  const jfkBytes = new Uint8Array(readFileSync(jfkPath));
  const jfk = readWav(jfkBytes).audio.samples;
  const window = tile(jfk, WINDOW_S * SAMPLE_RATE_HZ);
  return {
    jfkPath,
    jfkMp3Path: jfkPath.replace(/\.wav$/, '.mp3'),
    jfkBytes,
    jfkSeconds: jfk.length / SAMPLE_RATE_HZ,
    window,
    window44k: resample(window, SAMPLE_RATE_HZ, RESAMPLE_FROM_HZ),
    /** WAV files of `batch` × 30 s, by batch. @type {Map<number, Uint8Array>} */
    wavOfWindows: new Map(),
  };
}
/** @typedef {ReturnType<typeof prepareInputs>} Inputs */

/** The model-free stages: audio decoding, resampling, TypeScript mel, VAD. @param {Inputs} inputs */
export async function audioStages(inputs) {
  const silero = await SileroModel.load('v6');
  /** @type {Stage[]} */
  const stages = [
    {
      id: 'wav-decode',
      impl: 'verbatim',
      model: null,
      dtype: null,
      batch: 1,
      audioS: inputs.jfkSeconds,
      what: '@verbatim/audio readWav() of jfk.wav (11 s, 16 kHz 16-bit) already in memory → Float32Array',
      fn: () => {
        readWav(inputs.jfkBytes);
        return undefined;
      },
    },
    {
      id: 'ffmpeg-decode',
      impl: 'verbatim',
      model: null,
      dtype: null,
      batch: 1,
      audioS: inputs.jfkSeconds,
      what: '@verbatim/audio decodeWithFfmpeg() of jfk.mp3 (11 s) from its path: spawning ffmpeg, decoding and resampling to 16 kHz mono, reading its PCM',
      fn: async () => {
        await decodeWithFfmpeg(inputs.jfkMp3Path);
        return undefined;
      },
    },
    {
      id: 'resample',
      impl: 'verbatim',
      model: null,
      dtype: null,
      batch: 1,
      audioS: WINDOW_S,
      what: '@verbatim/audio resample() of 30 s from 44.1 kHz to 16 kHz (TypeScript)',
      fn: () => {
        resample(inputs.window44k, RESAMPLE_FROM_HZ, SAMPLE_RATE_HZ);
        return undefined;
      },
    },
    {
      id: 'mel-ts',
      impl: 'verbatim',
      model: null,
      dtype: null,
      batch: 1,
      audioS: WINDOW_S,
      what: '@verbatim/audio logMelSpectrogram() of one 30 s window, 80 mels (TypeScript)',
      fn: () => {
        logMelSpectrogram(inputs.window, 80);
        return undefined;
      },
    },
    {
      id: 'vad',
      impl: 'verbatim',
      model: null,
      dtype: null,
      batch: 1,
      audioS: WINDOW_S,
      what: '@verbatim/vad speechProbabilities() of 30 s (Silero v6 on onnxruntime-node, 938 windows of 512 samples, one stream), model loaded before',
      fn: async () => {
        await speechProbabilities(inputs.window, { model: silero });
        return undefined;
      },
    },
  ];
  return { stages, dispose: () => silero.dispose() };
}

/**
 * Loads the seeded (model, dtype) ggml file into our engine (CPU backend) and returns its stages.
 * @param {Inputs} inputs @param {string} model @param {'f32' | 'f16'} dtype @param {number} threads
 * @param {readonly number[]} batches end-to-end batch sizes @param {{ mel: boolean }} include
 */
export async function modelStages(inputs, model, dtype, threads, batches, include) {
  const engine = await loadModel(seededGgmlWeights(model, dtype), { threads });
  const special = engine.info.specialTokens;
  if (special === null) throw new Error(`${model}: the engine found no special tokens`);
  const { nMels } = engine.info.dims;
  const mel = await engine.logMel(inputs.window);
  const encoded = await engine.encode(mel, 1);
  const base = { impl: 'verbatim', model, dtype };
  const startSequence = [
    special.startOfTranscript,
    special.firstLanguage,
    special.transcribe,
    special.noTimestamps,
  ];
  const fixedDecode = {
    languageToken: special.firstLanguage,
    task: /** @type {const} */ ('transcribe'),
    timestamps: false,
    maxNewTokens: FIXED_NEW_TOKENS,
    temperatures: [0],
    suppressTokens: [special.endOfText],
    compressionRatioThreshold: null,
    logprobThreshold: null,
    noSpeechThreshold: null,
  };
  /** @type {Stage[]} */
  const stages = [];
  if (include.mel)
    stages.push({
      id: 'mel-native',
      ...base,
      calibration: CALIBRATION_RULES.simd,
      model: null,
      dtype: null,
      batch: 1,
      audioS: WINDOW_S,
      what: `model.logMel() of one 30 s window, ${nMels} mels (native, through the Node binding, ${threads} threads)`,
      fn: async () => {
        await engine.logMel(inputs.window);
        return undefined;
      },
    });
  stages.push(
    {
      id: `encoder/${model}/${dtype}`,
      ...base,
      calibration: CALIBRATION_RULES.simd,
      batch: 1,
      audioS: WINDOW_S,
      what: `model.encode(mel, 1): conv front-end + encoder blocks + final LayerNorm of one 30 s window, mel precomputed, output left native (${threads} threads)`,
      fn: async () => {
        const output = await engine.encode(mel, 1);
        await output.dispose();
        return undefined;
      },
    },
    {
      id: `decode-step/${model}/${dtype}`,
      ...base,
      batch: 1,
      audioS: null,
      perToken: true,
      calibration: CALIBRATION_RULES.bandwidth,
      what: `ms per token: mean of ${DECODE_STEPS} single-token DecoderSession.append() calls after the 4-token start sequence (its cross K/V not timed), batch 1, fixed token ids: every decoder layer over the KV cache + logits over the vocabulary copied into a Float32Array`,
      fn: async () => {
        const session = engine.newDecoderSession(encoded);
        await session.append(Int32Array.from(startSequence), startSequence.length);
        const token = Int32Array.of(special.blank);
        const start = performance.now();
        const cpuStart = process.cpuUsage();
        for (let step = 0; step < DECODE_STEPS; step++) await session.append(token, 1);
        const wallMs = (performance.now() - start) / DECODE_STEPS;
        const cpu = process.cpuUsage(cpuStart);
        await session.dispose();
        return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 / DECODE_STEPS };
      },
    },
  );
  for (const batch of batches) {
    const windows = batch;
    let wav = inputs.wavOfWindows.get(windows);
    if (wav === undefined) {
      wav = encodeWav(tile(inputs.window, windows * WINDOW_S * SAMPLE_RATE_HZ), SAMPLE_RATE_HZ);
      inputs.wavOfWindows.set(windows, wav);
    }
    const file = wav;
    stages.push({
      id: `e2e/${model}/${dtype}/b${batch}`,
      ...base,
      calibration: CALIBRATION_RULES.simd,
      batch,
      audioS: windows * WINDOW_S,
      what: `end to end, fixed length: readWav() of a ${windows * WINDOW_S} s WAV in memory → native log-mel per 30 s window → encode(${batch} windows) → model.decode() greedy, language and task given, <|endoftext|> suppressed so that every window gets exactly ${FIXED_NEW_TOKENS} tokens, no temperature fallback (${threads} threads; no VAD)`,
      fn: async () => {
        const { samples } = readWav(file).audio;
        const windowSamples = WINDOW_S * SAMPLE_RATE_HZ;
        const mels = new Float32Array(batch * nMels * 3000);
        for (let w = 0; w < batch; w++)
          mels.set(
            await engine.logMel(samples.subarray(w * windowSamples, (w + 1) * windowSamples)),
            w * nMels * 3000,
          );
        const output = await engine.encode(mels, batch);
        const results = await engine.decode(output, fixedDecode);
        await output.dispose();
        const short = results.find((result) => result.tokens.length !== FIXED_NEW_TOKENS);
        if (short !== undefined)
          throw new Error(`e2e: a window decoded ${short.tokens.length} tokens, not ${FIXED_NEW_TOKENS}`);
        return undefined;
      },
    });
  }
  return {
    stages,
    dispose: async () => {
      await encoded.dispose();
      await engine.dispose();
    },
  };
}
