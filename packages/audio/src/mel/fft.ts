/**
 * A mixed-radix complex FFT in float64 for any size (Stockham autosort: no bit reversal, one scratch buffer), and
 * the power spectra of two real frames from one complex transform. Sized for the log-mel's 400-point frames
 * (400 = 4 · 4 · 5 · 5). A plan owns its scratch buffers: not thread-safe, reusable for any number of transforms.
 */

interface Stage {
  readonly radix: number;
  /** Length of each sub-transform after this stage. */
  readonly subLength: number;
  /** Interleaved sequences this stage works on (the product of the radices before it). */
  readonly stride: number;
  /** Twiddles w^(p·k), w = e^(-2πi / (radix · subLength)), at [p · radix + k]. */
  readonly twiddleRe: Float64Array;
  readonly twiddleIm: Float64Array;
  /** The radix's roots of unity e^(-2πi m / radix), for the generic butterfly. */
  readonly rootRe: Float64Array;
  readonly rootIm: Float64Array;
}

export class ComplexFft {
  readonly size: number;
  private readonly stages: Stage[];
  private readonly scratchRe: Float64Array;
  private readonly scratchIm: Float64Array;
  /** Per-butterfly inputs of the generic radix path. */
  private readonly butterflyRe: Float64Array;
  private readonly butterflyIm: Float64Array;

  /** `size` must be a positive integer (the caller's constant; not validated for users). */
  constructor(size: number) {
    this.size = size;
    this.stages = [];
    let stride = 1;
    let length = size;
    for (const radix of factorize(size)) {
      const subLength = length / radix;
      const twiddleRe = new Float64Array(subLength * radix);
      const twiddleIm = new Float64Array(subLength * radix);
      for (let p = 0; p < subLength; p++) {
        for (let k = 0; k < radix; k++) {
          const angle = (-2 * Math.PI * p * k) / length;
          twiddleRe[p * radix + k] = Math.cos(angle);
          twiddleIm[p * radix + k] = Math.sin(angle);
        }
      }
      const rootRe = new Float64Array(radix);
      const rootIm = new Float64Array(radix);
      for (let m = 0; m < radix; m++) {
        rootRe[m] = Math.cos((-2 * Math.PI * m) / radix);
        rootIm[m] = Math.sin((-2 * Math.PI * m) / radix);
      }
      this.stages.push({ radix, subLength, stride, twiddleRe, twiddleIm, rootRe, rootIm });
      stride *= radix;
      length = subLength;
    }
    this.scratchRe = new Float64Array(size);
    this.scratchIm = new Float64Array(size);
    const largestRadix = Math.max(1, ...this.stages.map((stage) => stage.radix));
    this.butterflyRe = new Float64Array(largestRadix);
    this.butterflyIm = new Float64Array(largestRadix);
  }

  /** In place: X[f] = sum over t of x[t] · e^(-2πi f t / size), for arrays of exactly `size` values. */
  transform(re: Float64Array, im: Float64Array): void {
    let fromRe = re;
    let fromIm = im;
    let toRe = this.scratchRe;
    let toIm = this.scratchIm;
    for (const stage of this.stages) {
      if (stage.radix === 4) radix4(stage, fromRe, fromIm, toRe, toIm);
      else if (stage.radix === 5) radix5(stage, fromRe, fromIm, toRe, toIm);
      else this.genericRadix(stage, fromRe, fromIm, toRe, toIm);
      [fromRe, toRe] = [toRe, fromRe];
      [fromIm, toIm] = [toIm, fromIm];
    }
    if (fromRe !== re) {
      re.set(fromRe);
      im.set(fromIm);
    }
  }

  // Stage (decimation in frequency): with m = subLength, s = stride, for each p < m and sequence q < s the inputs
  // a_j = x[q + s (p + j m)] give y[q + s (r p + k)] = w^(p k) · sum_j a_j e^(-2πi j k / r).
  private genericRadix(
    stage: Stage,
    xRe: Float64Array,
    xIm: Float64Array,
    yRe: Float64Array,
    yIm: Float64Array,
  ): void {
    const { radix, subLength, stride, twiddleRe, twiddleIm, rootRe, rootIm } = stage;
    const aRe = this.butterflyRe;
    const aIm = this.butterflyIm;
    for (let p = 0; p < subLength; p++) {
      for (let q = 0; q < stride; q++) {
        for (let j = 0; j < radix; j++) {
          aRe[j] = xRe[q + stride * (p + j * subLength)]!;
          aIm[j] = xIm[q + stride * (p + j * subLength)]!;
        }
        for (let k = 0; k < radix; k++) {
          let sumRe = 0;
          let sumIm = 0;
          for (let j = 0, root = 0; j < radix; j++, root = (root + k) % radix) {
            const c = rootRe[root]!;
            const s = rootIm[root]!;
            sumRe += aRe[j]! * c - aIm[j]! * s;
            sumIm += aRe[j]! * s + aIm[j]! * c;
          }
          const wRe = twiddleRe[p * radix + k]!;
          const wIm = twiddleIm[p * radix + k]!;
          const out = q + stride * (radix * p + k);
          yRe[out] = sumRe * wRe - sumIm * wIm;
          yIm[out] = sumRe * wIm + sumIm * wRe;
        }
      }
    }
  }
}

function radix4(
  stage: Stage,
  xRe: Float64Array,
  xIm: Float64Array,
  yRe: Float64Array,
  yIm: Float64Array,
): void {
  const { subLength, stride } = stage;
  const span = stride * subLength;
  for (let p = 0; p < subLength; p++) {
    for (let q = 0; q < stride; q++) {
      const i0 = q + stride * p;
      const sum02Re = xRe[i0]! + xRe[i0 + 2 * span]!;
      const sum02Im = xIm[i0]! + xIm[i0 + 2 * span]!;
      const diff02Re = xRe[i0]! - xRe[i0 + 2 * span]!;
      const diff02Im = xIm[i0]! - xIm[i0 + 2 * span]!;
      const sum13Re = xRe[i0 + span]! + xRe[i0 + 3 * span]!;
      const sum13Im = xIm[i0 + span]! + xIm[i0 + 3 * span]!;
      const diff13Re = xRe[i0 + span]! - xRe[i0 + 3 * span]!;
      const diff13Im = xIm[i0 + span]! - xIm[i0 + 3 * span]!;
      const out = q + stride * 4 * p;
      yRe[out] = sum02Re + sum13Re;
      yIm[out] = sum02Im + sum13Im;
      // X1 = (a0 - a2) - i (a1 - a3), X2 = (a0 + a2) - (a1 + a3), X3 = (a0 - a2) + i (a1 - a3).
      yRe[out + stride] = diff02Re + diff13Im;
      yIm[out + stride] = diff02Im - diff13Re;
      yRe[out + 2 * stride] = sum02Re - sum13Re;
      yIm[out + 2 * stride] = sum02Im - sum13Im;
      yRe[out + 3 * stride] = diff02Re - diff13Im;
      yIm[out + 3 * stride] = diff02Im + diff13Re;
      applyTwiddles(stage, p, yRe, yIm, out);
    }
  }
}

const COS_1_5 = Math.cos((2 * Math.PI) / 5);
const COS_2_5 = Math.cos((4 * Math.PI) / 5);
const SIN_1_5 = Math.sin((2 * Math.PI) / 5);
const SIN_2_5 = Math.sin((4 * Math.PI) / 5);

// With t1 = a1 + a4, t2 = a2 + a3, t3 = a1 - a4, t4 = a2 - a3 and c/s = cos/sin of 2π/5 and 4π/5:
// X1, X4 = a0 + c1 t1 + c2 t2 ∓ i (s1 t3 + s2 t4); X2, X3 = a0 + c2 t1 + c1 t2 ∓ i (s2 t3 - s1 t4).
function radix5(
  stage: Stage,
  xRe: Float64Array,
  xIm: Float64Array,
  yRe: Float64Array,
  yIm: Float64Array,
): void {
  const { subLength, stride } = stage;
  const span = stride * subLength;
  for (let p = 0; p < subLength; p++) {
    for (let q = 0; q < stride; q++) {
      const i0 = q + stride * p;
      const a0Re = xRe[i0]!;
      const a0Im = xIm[i0]!;
      const t1Re = xRe[i0 + span]! + xRe[i0 + 4 * span]!;
      const t1Im = xIm[i0 + span]! + xIm[i0 + 4 * span]!;
      const t2Re = xRe[i0 + 2 * span]! + xRe[i0 + 3 * span]!;
      const t2Im = xIm[i0 + 2 * span]! + xIm[i0 + 3 * span]!;
      const t3Re = xRe[i0 + span]! - xRe[i0 + 4 * span]!;
      const t3Im = xIm[i0 + span]! - xIm[i0 + 4 * span]!;
      const t4Re = xRe[i0 + 2 * span]! - xRe[i0 + 3 * span]!;
      const t4Im = xIm[i0 + 2 * span]! - xIm[i0 + 3 * span]!;
      const b1Re = a0Re + COS_1_5 * t1Re + COS_2_5 * t2Re;
      const b1Im = a0Im + COS_1_5 * t1Im + COS_2_5 * t2Im;
      const b2Re = a0Re + COS_2_5 * t1Re + COS_1_5 * t2Re;
      const b2Im = a0Im + COS_2_5 * t1Im + COS_1_5 * t2Im;
      const v1Re = SIN_1_5 * t3Re + SIN_2_5 * t4Re;
      const v1Im = SIN_1_5 * t3Im + SIN_2_5 * t4Im;
      const v2Re = SIN_2_5 * t3Re - SIN_1_5 * t4Re;
      const v2Im = SIN_2_5 * t3Im - SIN_1_5 * t4Im;
      const out = q + stride * 5 * p;
      yRe[out] = a0Re + t1Re + t2Re;
      yIm[out] = a0Im + t1Im + t2Im;
      yRe[out + stride] = b1Re + v1Im;
      yIm[out + stride] = b1Im - v1Re;
      yRe[out + 2 * stride] = b2Re + v2Im;
      yIm[out + 2 * stride] = b2Im - v2Re;
      yRe[out + 3 * stride] = b2Re - v2Im;
      yIm[out + 3 * stride] = b2Im + v2Re;
      yRe[out + 4 * stride] = b1Re - v1Im;
      yIm[out + 4 * stride] = b1Im + v1Re;
      applyTwiddles(stage, p, yRe, yIm, out);
    }
  }
}

/** Multiplies butterfly p's outputs k = 1 … radix - 1, at y[out + k · stride], by their twiddles w^(p k). */
function applyTwiddles(stage: Stage, p: number, yRe: Float64Array, yIm: Float64Array, out: number): void {
  const { radix, stride, twiddleRe, twiddleIm } = stage;
  for (let k = 1; k < radix; k++) {
    const at = out + k * stride;
    const wRe = twiddleRe[p * radix + k]!;
    const wIm = twiddleIm[p * radix + k]!;
    const re = yRe[at]!;
    const im = yIm[at]!;
    yRe[at] = re * wRe - im * wIm;
    yIm[at] = re * wIm + im * wRe;
  }
}

/** Radices whose product is n: fours first (the fast path), then the remaining prime factors. */
function factorize(n: number): number[] {
  const radices: number[] = [];
  let rest = n;
  while (rest % 4 === 0) {
    radices.push(4);
    rest /= 4;
  }
  for (let factor = 2; rest > 1; factor++) {
    while (rest % factor === 0) {
      radices.push(factor);
      rest /= factor;
    }
  }
  return radices;
}
