/**
 * Whisper's log-mel spectrogram, the recipe of Hugging Face transformers' WhisperFeatureExtractor (numpy path):
 * centred STFT (reflect padding of N_FFT / 2 samples each side), periodic 400-point Hann window, hop 160, the last
 * frame dropped; power |X|^2 over 201 bins; mel = filters @ power; log10(max(mel, 1e-10)); values below (max - 8) —
 * max over the whole spectrogram — raised to it; then (x + 4) / 4. Spectra, mel sums and logs are float64; the result
 * is float32, [nMels][nFrames] row-major (mel-major: the layout Whisper's first convolution reads).
 *
 * Thread-safety: JavaScript-single-threaded; the module keeps one FFT plan and its buffers, so calls must not
 * interleave (they cannot, being synchronous).
 */

import {
  HOP_LENGTH_SAMPLES,
  LOG_MEL_DYNAMIC_RANGE,
  LOG_MEL_FLOOR,
  type MelBinCount,
  N_FFT,
  N_FRAMES_PER_CHUNK,
  N_SAMPLES_PER_CHUNK,
} from '@verbatim/core';
import { ComplexFft } from './fft.js';
import { loadMelFilters, type MelFilterBank, N_FREQUENCY_BINS } from './mel-filters.js';

/** The final affine map (x + 4) / 4 that centres Whisper's log-mel values near [-1, 1]. */
const LOG_MEL_OFFSET = 4;
const LOG_MEL_SCALE = 4;

/** A log-mel spectrogram of any length: `data` holds nMels rows of nFrames values. */
export interface LogMelFrames {
  readonly data: Float32Array;
  readonly nFrames: number;
  readonly nMels: MelBinCount;
}

/**
 * The log-mel of one 30-second window, as Whisper's encoder takes it: `samples` (mono, 16 kHz) are zero-padded at
 * the end or trimmed to N_SAMPLES_PER_CHUNK (480000), giving N_FRAMES_PER_CHUNK (3000) frames. Returns
 * Float32Array(nMels * 3000), [nMels][3000] row-major. Throws InvalidArgumentError when nMels is not 80 or 128.
 */
export function logMelSpectrogram(samples: Float32Array, nMels: MelBinCount): Float32Array {
  const bank = loadMelFilters(nMels);
  const window = new Float32Array(N_SAMPLES_PER_CHUNK);
  window.set(samples.subarray(0, N_SAMPLES_PER_CHUNK));
  return computeLogMel(window, N_FRAMES_PER_CHUNK, bank);
}

/**
 * The log-mel of a whole signal with no padding or trimming (openai-whisper's transcribe() style: the caller appends
 * the 30 s of silence it wants): floor(samples.length / 160) frames — the centred STFT's frames less the last — and
 * the (max - 8) floor taken over all of them. Throws InvalidArgumentError when nMels is not 80 or 128.
 */
export function logMelFrames(samples: Float32Array, nMels: MelBinCount): LogMelFrames {
  const bank = loadMelFilters(nMels);
  const nFrames = Math.floor(samples.length / HOP_LENGTH_SAMPLES);
  return { data: computeLogMel(samples, nFrames, bank), nFrames, nMels: bank.nMels };
}

/** Periodic Hann window: w[n] = 0.5 - 0.5 cos(2πn / N), n < N (numpy's hanning(N + 1) without its last value). */
const HANN_WINDOW = Float64Array.from(
  { length: N_FFT },
  (_, n) => 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / N_FFT),
);

let fft: ComplexFft | undefined;
const frameRe = new Float64Array(N_FFT);
const frameIm = new Float64Array(N_FFT);
const powerA = new Float64Array(N_FREQUENCY_BINS);
const powerB = new Float64Array(N_FREQUENCY_BINS);

/** The first `nFrames` frames of the centred STFT of `samples`, through the mel bank, log, floor and scale. */
function computeLogMel(samples: Float32Array, nFrames: number, bank: MelFilterBank): Float32Array {
  fft ??= new ComplexFft(N_FFT);
  const out = new Float32Array(bank.nMels * nFrames);
  let maxLog = Number.NEGATIVE_INFINITY;
  // Two real frames per complex FFT: one in the real part, the next in the imaginary part.
  for (let t = 0; t < nFrames; t += 2) {
    fillWindowedFrame(samples, t * HOP_LENGTH_SAMPLES - N_FFT / 2, frameRe);
    if (t + 1 < nFrames) fillWindowedFrame(samples, (t + 1) * HOP_LENGTH_SAMPLES - N_FFT / 2, frameIm);
    else frameIm.fill(0);
    fft.transform(frameRe, frameIm);
    splitPowerSpectra(frameRe, frameIm, powerA, powerB);
    maxLog = Math.max(maxLog, writeLogMelColumn(powerA, bank, out, t, nFrames));
    if (t + 1 < nFrames) maxLog = Math.max(maxLog, writeLogMelColumn(powerB, bank, out, t + 1, nFrames));
  }
  const floor = maxLog - LOG_MEL_DYNAMIC_RANGE;
  for (let i = 0; i < out.length; i++) out[i] = (Math.max(out[i]!, floor) + LOG_MEL_OFFSET) / LOG_MEL_SCALE;
  return out;
}

/** frame[j] = window[j] * x[start + j], indices outside the signal reflected (numpy.pad mode 'reflect'). */
function fillWindowedFrame(samples: Float32Array, start: number, frame: Float64Array): void {
  if (start >= 0 && start + N_FFT <= samples.length) {
    for (let j = 0; j < N_FFT; j++) frame[j] = samples[start + j]! * HANN_WINDOW[j]!;
    return;
  }
  for (let j = 0; j < N_FFT; j++)
    frame[j] = samples[reflectIndex(start + j, samples.length)]! * HANN_WINDOW[j]!;
}

/**
 * Index into a signal of `length` samples extended by reflection about its first and last samples (not repeating
 * them): … x2 x1 | x0 x1 … x(n-1) | x(n-2) … Repeated reflection, as numpy does, when the index is far outside.
 */
function reflectIndex(index: number, length: number): number {
  if (length === 1) return 0;
  const period = 2 * (length - 1);
  const folded = ((index % period) + period) % period;
  return folded < length ? folded : period - folded;
}

/**
 * From Z = FFT(a + i b) of real frames a and b: A[k] = (Z[k] + conj Z[N-k]) / 2 and B[k] = (Z[k] - conj Z[N-k]) / 2i;
 * writes |A[k]|^2 and |B[k]|^2 for the one-sided bins k = 0 … N/2.
 */
function splitPowerSpectra(zRe: Float64Array, zIm: Float64Array, a: Float64Array, b: Float64Array): void {
  for (let k = 0; k < N_FREQUENCY_BINS; k++) {
    const mirror = k === 0 ? 0 : N_FFT - k;
    const sumRe = zRe[k]! + zRe[mirror]!;
    const diffRe = zRe[k]! - zRe[mirror]!;
    const sumIm = zIm[k]! + zIm[mirror]!;
    const diffIm = zIm[k]! - zIm[mirror]!;
    a[k] = (sumRe * sumRe + diffIm * diffIm) / 4;
    b[k] = (sumIm * sumIm + diffRe * diffRe) / 4;
  }
}

/** Writes log10(max(filters @ power, 1e-10)) into column `t` of out; returns the column's largest value. */
function writeLogMelColumn(
  power: Float64Array,
  bank: MelFilterBank,
  out: Float32Array,
  t: number,
  nFrames: number,
): number {
  const { weights, firstBin, endBin } = bank;
  let columnMax = Number.NEGATIVE_INFINITY;
  for (let m = 0; m < bank.nMels; m++) {
    const row = m * N_FREQUENCY_BINS;
    let sum = 0;
    for (let f = firstBin[m]!; f < endBin[m]!; f++) sum += weights[row + f]! * power[f]!;
    const value = Math.log10(Math.max(sum, LOG_MEL_FLOOR));
    out[m * nFrames + t] = value;
    if (value > columnMax) columnMax = value;
  }
  return columnMax;
}
