/**
 * The Kaiser window and its design rules (Kaiser 1974; Oppenheim & Schafer, "Discrete-Time Signal Processing",
 * section 7.5), used to shape the resampler's windowed-sinc kernel.
 */

/** Terms are summed until the next one falls below this fraction of the sum (far below float64 kernel noise). */
const BESSEL_SERIES_TOLERANCE = 1e-17;

/** Zeroth-order modified Bessel function of the first kind, I0(x), by its power series (converges for all x). */
export function besselI0(x: number): number {
  const quarterXSquared = (x * x) / 4;
  let term = 1;
  let sum = 1;
  for (let k = 1; term > sum * BESSEL_SERIES_TOLERANCE; k++) {
    term *= quarterXSquared / (k * k);
    sum += term;
  }
  return sum;
}

/** Kaiser's shape parameter beta for a stopband attenuation in dB (his empirical formula). */
export function kaiserBeta(attenuationDb: number): number {
  if (attenuationDb > 50) return 0.1102 * (attenuationDb - 8.7);
  if (attenuationDb >= 21) return 0.5842 * (attenuationDb - 21) ** 0.4 + 0.07886 * (attenuationDb - 21);
  return 0;
}

/**
 * Kaiser's estimate of the filter length (taps) that reaches `attenuationDb` with a transition band of
 * `transitionWidth` cycles per sample.
 */
export function kaiserLength(attenuationDb: number, transitionWidth: number): number {
  return Math.ceil((attenuationDb - 7.95) / (2.285 * 2 * Math.PI * transitionWidth)) + 1;
}

/**
 * The Kaiser window evaluated at a continuous position: `position` in [-1, 1] spans the window (0 is its centre);
 * outside that range the window is 0. `i0Beta` is besselI0(beta), passed in so callers compute it once.
 */
export function kaiserWindowAt(position: number, beta: number, i0Beta: number): number {
  const squared = position * position;
  if (squared > 1) return 0;
  return besselI0(beta * Math.sqrt(1 - squared)) / i0Beta;
}
