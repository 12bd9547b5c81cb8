/**
 * The resampler's anti-aliasing filter: a Kaiser-windowed sinc low-pass, tabulated as polyphase rows so each output
 * sample is one dot product of `taps` coefficients with `taps` consecutive input samples.
 */

import { besselI0, kaiserBeta, kaiserLength, kaiserWindowAt } from './kaiser.js';

/**
 * Passband edge as a fraction of the lower of the two rates: 7000 Hz when either side is 16 kHz. Everything below is
 * kept flat (ripple far inside 0.1 dB at the attenuation below).
 */
export const PASSBAND_EDGE_FRACTION = 0.4375;
/**
 * Stopband edge as a fraction of the lower rate: 7500 Hz at 16 kHz. The filter removes 7.5–8 kHz too, a margin below
 * Nyquist that keeps the kernel short enough for an hour of audio to resample in seconds.
 */
export const STOPBAND_EDGE_FRACTION = 0.46875;
/**
 * Attenuation the Kaiser design aims for from the stopband edge up: 5 dB above the 60 dB the tests demand, since
 * Kaiser's length formula is an estimate.
 */
export const STOPBAND_ATTENUATION_DB = 65;
/**
 * Rows tabulated per input sample when the rate ratio is not used exactly (non-integer rates, or a reduced ratio
 * with more than MAX_EXACT_PHASES phases); output positions between rows interpolate linearly between them, an error
 * near -110 dB.
 */
export const INTERPOLATED_PHASES = 256;
/** Largest reduced upsampling factor L (of L/M) tabulated exactly: 44.1 kHz → 16 kHz needs 160, 11.025 kHz 640. */
export const MAX_EXACT_PHASES = 1024;

/** A polyphase table: `phases` rows of `taps` coefficients, row-major. */
export interface PolyphaseKernel {
  /** Input samples each output sample reads; a multiple of 4 (the dot product is unrolled by 4). */
  readonly taps: number;
  /** Rows in `coefficients`. */
  readonly rows: number;
  /**
   * Row r holds the kernel for an output that falls r / (rows - 1) (interpolated tables) or r / rows (exact tables)
   * of an input sample after input sample `taps / 2 - 1` of its window: coefficient t weights window sample t.
   */
  readonly coefficients: Float64Array;
}

/** A low-pass specification: flat up to the passband edge, STOPBAND_ATTENUATION_DB down from the stopband edge. */
export interface LowPassSpec {
  readonly passbandEdgeHz: number;
  readonly stopbandEdgeHz: number;
}

/** The specification of a direct conversion: edges at PASSBAND/STOPBAND_EDGE_FRACTION of the lower rate. */
export function conversionSpec(fromHz: number, toHz: number): LowPassSpec {
  const lowerRateHz = Math.min(fromHz, toHz);
  return {
    passbandEdgeHz: PASSBAND_EDGE_FRACTION * lowerRateHz,
    stopbandEdgeHz: STOPBAND_EDGE_FRACTION * lowerRateHz,
  };
}

/** Number of taps (input samples per output) of a kernel meeting `spec` on input at `fromHz`. */
export function kernelTaps(fromHz: number, spec: LowPassSpec): number {
  const transitionWidth = (spec.stopbandEdgeHz - spec.passbandEdgeHz) / fromHz;
  return Math.ceil(kaiserLength(STOPBAND_ATTENUATION_DB, transitionWidth) / 4) * 4;
}

/**
 * Tabulates the kernel for output positions at `phaseCount` evenly spaced fractions phase / phaseDivisor of an input
 * sample (phase = 0 … phaseCount - 1). Each row is scaled to sum to 1 so every phase passes DC unchanged.
 */
export function designKernel(
  fromHz: number,
  spec: LowPassSpec,
  phaseCount: number,
  phaseDivisor: number,
): PolyphaseKernel {
  const taps = kernelTaps(fromHz, spec);
  const halfWidth = taps / 2;
  // Cutoff in the middle of the transition band, in cycles per input sample.
  const cutoff = (spec.passbandEdgeHz + spec.stopbandEdgeHz) / 2 / fromHz;
  const beta = kaiserBeta(STOPBAND_ATTENUATION_DB);
  const i0Beta = besselI0(beta);
  const coefficients = new Float64Array(phaseCount * taps);
  for (let phase = 0; phase < phaseCount; phase++) {
    const fraction = phase / phaseDivisor;
    const row = coefficients.subarray(phase * taps, (phase + 1) * taps);
    let sum = 0;
    for (let t = 0; t < taps; t++) {
      // Distance in input samples from window sample t to the output position.
      const distance = fraction + halfWidth - 1 - t;
      const value = sinc(2 * cutoff * distance) * kaiserWindowAt(distance / halfWidth, beta, i0Beta);
      row[t] = value;
      sum += value;
    }
    for (let t = 0; t < taps; t++) row[t] = row[t]! / sum;
  }
  return { taps, rows: phaseCount, coefficients };
}

/** sin(pi x) / (pi x), 1 at 0. */
function sinc(x: number): number {
  if (x === 0) return 1;
  const piX = Math.PI * x;
  return Math.sin(piX) / piX;
}
