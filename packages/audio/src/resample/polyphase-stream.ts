/**
 * The resampler's engine: a windowed-sinc polyphase filter run over a stream. Output sample k is centred on input
 * position k * fromHz / toHz (no filter delay: the kernel is symmetric about that position), reading `taps`
 * consecutive input samples, with zeros before the first sample and, at the end of the stream, after the last.
 *
 * Each output is computed from exactly the same input values in the same order however the stream was chunked, so
 * chunked and one-shot runs are bit-identical. Not thread-safe (one stream per instance).
 */

import {
  designKernel,
  INTERPOLATED_PHASES,
  type LowPassSpec,
  MAX_EXACT_PHASES,
  type PolyphaseKernel,
} from './polyphase-kernel.js';

/** Input samples copied into the working buffer per pass, beyond the kernel's span: bounds memory for long pushes. */
const BLOCK_SAMPLES = 16_384;

export class PolyphaseStream {
  private readonly kernel: PolyphaseKernel;
  private readonly halfTaps: number;
  /** Reduced ratio toHz / fromHz = up / down when the table is exact; undefined when it is interpolated. */
  private readonly ratio: { up: number; down: number } | undefined;
  /** Input samples per output sample. */
  private readonly step: number;
  /** Outputs per "cycle" of four outputs on every phase row (4 * up), or 0 where cycles are not used. */
  private readonly cycleOutputs: number;
  /** Input samples in view, widened to float64 once; buffer[0] is input sample `bufferStart` (negative: zeros). */
  private readonly buffer: Float64Array;
  private bufferStart = 0;
  private bufferLength = 0;
  /** Input samples pushed since the stream began. */
  private inputEnd = 0;
  /** The next output sample to compute. */
  private nextOutput = 0;

  /** A fromHz → toHz conversion whose kernel meets `spec`. */
  constructor(fromHz: number, toHz: number, spec: LowPassSpec) {
    this.ratio = exactRatio(fromHz, toHz);
    this.step = fromHz / toHz;
    this.kernel =
      this.ratio === undefined
        ? designKernel(fromHz, spec, INTERPOLATED_PHASES + 1, INTERPOLATED_PHASES)
        : designKernel(fromHz, spec, this.ratio.up, this.ratio.up);
    this.halfTaps = this.kernel.taps / 2;
    const cycleInputs = this.ratio === undefined ? Number.POSITIVE_INFINITY : 4 * this.ratio.down;
    this.cycleOutputs = cycleInputs <= BLOCK_SAMPLES ? 4 * this.ratio!.up : 0;
    this.buffer = new Float64Array(
      this.kernel.taps + (this.cycleOutputs > 0 ? cycleInputs : 0) + BLOCK_SAMPLES,
    );
    this.reset();
  }

  /** Input samples each output reads. */
  get taps(): number {
    return this.kernel.taps;
  }

  /** Outputs computed since the stream began. */
  get outputCount(): number {
    return this.nextOutput;
  }

  /** Input samples pushed since the stream began. */
  get inputCount(): number {
    return this.inputEnd;
  }

  /** Input samples (from the start of the stream) that the windows of the first `total` outputs cover. */
  inputSpanOf(total: number): number {
    return total === 0 ? 0 : this.inputIndex(total - 1) + this.halfTaps + 1;
  }

  /** Output samples that pushing `sampleCount` more input samples makes computable. */
  countAfterPush(sampleCount: number): number {
    // The window of output k ends at inputIndex(k) + halfTaps (inclusive); it must lie inside the input so far.
    return this.firstOutputPast(this.inputEnd + sampleCount - this.halfTaps - 1) - this.nextOutput;
  }

  /** Appends input, writes every output it completes at out[outOffset…], returns the offset after the last. */
  push(chunk: Float32Array, out: Float32Array, outOffset: number): number {
    const end = this.nextOutput + this.countAfterPush(chunk.length);
    this.inputEnd += chunk.length;
    return this.run(chunk, out, outOffset, end);
  }

  /** Output samples flush(total) will write. */
  countAtFlush(total: number): number {
    return Math.max(0, total - this.nextOutput);
  }

  /**
   * Ends the stream: appends the `pending` input, then writes the outputs still missing from the first `total`
   * (their windows zero-extended past the last input) at out[outOffset…]; returns the offset after the last and
   * resets for a new stream.
   */
  flush(pending: Float32Array, out: Float32Array, outOffset: number, total: number): number {
    this.inputEnd += pending.length;
    const zeros = Math.max(0, this.inputSpanOf(total) - this.inputEnd);
    const source = new Float32Array(pending.length + zeros);
    source.set(pending);
    const offset = this.run(source, out, outOffset, total);
    this.reset();
    return offset;
  }

  private reset(): void {
    // The first window starts halfTaps - 1 samples before the input: those are zeros.
    this.buffer.fill(0);
    this.bufferStart = 1 - this.halfTaps;
    this.bufferLength = this.halfTaps - 1;
    this.inputEnd = 0;
    this.nextOutput = 0;
  }

  /** Feeds `source` through the buffer block by block, computing outputs up to (not including) `end`. */
  private run(source: Float32Array, out: Float32Array, outOffset: number, end: number): number {
    let offset = outOffset;
    let consumed = 0;
    for (;;) {
      const take = Math.min(this.buffer.length - this.bufferLength, source.length - consumed);
      this.buffer.set(source.subarray(consumed, consumed + take), this.bufferLength);
      this.bufferLength += take;
      consumed += take;
      const last = consumed === source.length;
      offset =
        this.ratio === undefined
          ? this.produceInterpolated(out, offset, end)
          : this.produceExact(out, offset, end, last);
      this.discardBeforeNextWindow();
      if (last) return offset;
    }
  }

  /**
   * Computes outputs from an exact table. Whole cycles go four outputs per phase row (one coefficient load feeds four
   * products, ~1.5x faster); on the last pass over a push (`drain`) the rest go four rows or one at a time. Every
   * path sums each output's products in the same order, so the grouping never changes a bit of the result.
   */
  private produceExact(out: Float32Array, outOffset: number, end: number, drain: boolean): number {
    const { taps, coefficients } = this.kernel;
    const { up, down } = this.ratio!;
    const buffer = this.buffer;
    // Offset in `buffer` of the window of the output at input index `index`.
    const windowBase = 1 - this.halfTaps - this.bufferStart;
    const available = this.bufferLength - taps;
    let offset = outOffset;
    let k = this.nextOutput;
    if (this.cycleOutputs > 0) {
      while (k + this.cycleOutputs <= end && floorDiv(k * down, up) + 4 * down + windowBase <= available) {
        for (let r = 0; r < up; r++) {
          const position = (k + r) * down;
          const index = floorDiv(position, up);
          const row = (position - index * up) * taps;
          dotSameRow4(coefficients, row, buffer, index + windowBase, down, taps, out, offset + r, up);
        }
        k += this.cycleOutputs;
        offset += this.cycleOutputs;
      }
    }
    if (drain) {
      while (k < end) {
        const index = floorDiv(k * down, up);
        if (index + windowBase > available) break;
        const fourthIndex = floorDiv((k + 3) * down, up);
        if (k + 4 <= end && fourthIndex + windowBase <= available) {
          const secondIndex = floorDiv((k + 1) * down, up);
          const thirdIndex = floorDiv((k + 2) * down, up);
          dotFourRows(
            coefficients,
            taps,
            (k * down - index * up) * taps,
            ((k + 1) * down - secondIndex * up) * taps,
            ((k + 2) * down - thirdIndex * up) * taps,
            ((k + 3) * down - fourthIndex * up) * taps,
            buffer,
            index + windowBase,
            secondIndex + windowBase,
            thirdIndex + windowBase,
            fourthIndex + windowBase,
            out,
            offset,
          );
          k += 4;
          offset += 4;
        } else {
          const row = (k * down - index * up) * taps;
          out[offset++] = dotSequential(coefficients, row, buffer, index + windowBase, taps);
          k++;
        }
      }
    }
    this.nextOutput = k;
    return offset;
  }

  /** Computes outputs from an interpolated table: each blends the two rows around its fractional position. */
  private produceInterpolated(out: Float32Array, outOffset: number, end: number): number {
    const { taps, coefficients } = this.kernel;
    let offset = outOffset;
    let k = this.nextOutput;
    while (k < end) {
      const position = k * this.step;
      const index = Math.floor(position);
      const windowOffset = index - this.halfTaps + 1 - this.bufferStart;
      if (windowOffset + taps > this.bufferLength) break;
      const row = (position - index) * INTERPOLATED_PHASES;
      const lowerRow = Math.floor(row);
      const weight = row - lowerRow;
      const lower = dotInterleaved(coefficients, lowerRow * taps, this.buffer, windowOffset, taps);
      const upper = dotInterleaved(coefficients, (lowerRow + 1) * taps, this.buffer, windowOffset, taps);
      out[offset++] = lower + weight * (upper - lower);
      k++;
    }
    this.nextOutput = k;
    return offset;
  }

  /** Drops buffered input that no future output reads (everything before the next output's window). */
  private discardBeforeNextWindow(): void {
    const nextWindowStart = this.inputIndex(this.nextOutput) - this.halfTaps + 1;
    const drop = Math.min(Math.max(0, nextWindowStart - this.bufferStart), this.bufferLength);
    this.buffer.copyWithin(0, drop, this.bufferLength);
    this.bufferStart += drop;
    this.bufferLength -= drop;
  }

  /** floor(k * fromHz / toHz): the input sample at or before output k's position. */
  private inputIndex(k: number): number {
    if (this.ratio === undefined) return Math.floor(k * this.step);
    return floorDiv(k * this.ratio.down, this.ratio.up);
  }

  /** The smallest output index k >= 0 with inputIndex(k) > lastIndex. */
  private firstOutputPast(lastIndex: number): number {
    let k = Math.max(0, Math.ceil((lastIndex + 1) / this.step));
    while (k > 0 && this.inputIndex(k - 1) > lastIndex) k--;
    while (this.inputIndex(k) <= lastIndex) k++;
    return k;
  }
}

// The dot products. Each output's products are summed one after another in tap order in every exact-table kernel
// (dotSequential, dotSameRow4, dotFourRows), so whichever kernel computes an output, its bits are the same.

/** Sum of c[row + t] * x[start + t] for t < taps, in tap order. */
function dotSequential(c: Float64Array, row: number, x: Float64Array, start: number, taps: number): number {
  let sum = 0;
  for (let t = 0; t < taps; t++) sum += c[row + t]! * x[start + t]!;
  return sum;
}

/**
 * Four outputs on one coefficient row whose windows start `stride` samples apart; written to out[at + j * outStride].
 */
function dotSameRow4(
  c: Float64Array,
  row: number,
  x: Float64Array,
  start: number,
  stride: number,
  taps: number,
  out: Float32Array,
  at: number,
  outStride: number,
): void {
  const start1 = start + stride;
  const start2 = start1 + stride;
  const start3 = start2 + stride;
  let sum0 = 0;
  let sum1 = 0;
  let sum2 = 0;
  let sum3 = 0;
  for (let t = 0; t < taps; t++) {
    const coefficient = c[row + t]!;
    sum0 += coefficient * x[start + t]!;
    sum1 += coefficient * x[start1 + t]!;
    sum2 += coefficient * x[start2 + t]!;
    sum3 += coefficient * x[start3 + t]!;
  }
  out[at] = sum0;
  out[at + outStride] = sum1;
  out[at + 2 * outStride] = sum2;
  out[at + 3 * outStride] = sum3;
}

/** Four consecutive outputs, each with its own row and window start; written to out[at … at + 3]. */
function dotFourRows(
  c: Float64Array,
  taps: number,
  row0: number,
  row1: number,
  row2: number,
  row3: number,
  x: Float64Array,
  start0: number,
  start1: number,
  start2: number,
  start3: number,
  out: Float32Array,
  at: number,
): void {
  let sum0 = 0;
  let sum1 = 0;
  let sum2 = 0;
  let sum3 = 0;
  for (let t = 0; t < taps; t++) {
    sum0 += c[row0 + t]! * x[start0 + t]!;
    sum1 += c[row1 + t]! * x[start1 + t]!;
    sum2 += c[row2 + t]! * x[start2 + t]!;
    sum3 += c[row3 + t]! * x[start3 + t]!;
  }
  out[at] = sum0;
  out[at + 1] = sum1;
  out[at + 2] = sum2;
  out[at + 3] = sum3;
}

/** Sum of c[row + t] * x[start + t] for t < taps (a multiple of 4), with four accumulators for throughput. */
function dotInterleaved(c: Float64Array, row: number, x: Float64Array, start: number, taps: number): number {
  let sum0 = 0;
  let sum1 = 0;
  let sum2 = 0;
  let sum3 = 0;
  for (let t = 0; t < taps; t += 4) {
    sum0 += c[row + t]! * x[start + t]!;
    sum1 += c[row + t + 1]! * x[start + t + 1]!;
    sum2 += c[row + t + 2]! * x[start + t + 2]!;
    sum3 += c[row + t + 3]! * x[start + t + 3]!;
  }
  return sum0 + sum1 + (sum2 + sum3);
}

/** round(sampleCount * toHz / fromHz), halves up; exact in integers when both rates are. */
export function roundedOutputLength(sampleCount: number, fromHz: number, toHz: number): number {
  if (!Number.isSafeInteger(fromHz) || !Number.isSafeInteger(toHz)) {
    return Math.floor((sampleCount * toHz) / fromHz + 0.5);
  }
  const divisor = gcd(fromHz, toHz);
  const up = toHz / divisor;
  const down = fromHz / divisor;
  return floorDiv(2 * sampleCount * up + down, 2 * down);
}

/**
 * toHz / fromHz reduced to up / down when both rates are integers and up is small enough to tabulate every phase;
 * undefined otherwise.
 */
function exactRatio(fromHz: number, toHz: number): { up: number; down: number } | undefined {
  if (!Number.isSafeInteger(fromHz) || !Number.isSafeInteger(toHz)) return undefined;
  const divisor = gcd(fromHz, toHz);
  const up = toHz / divisor;
  return up <= MAX_EXACT_PHASES ? { up, down: fromHz / divisor } : undefined;
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/** floor(a / b) for integers (b > 0), exact while |a| < 2^53. */
function floorDiv(a: number, b: number): number {
  let q = Math.floor(a / b);
  if (q * b > a) q--;
  else if ((q + 1) * b <= a) q++;
  return q;
}
