/**
 * The stages of one conversion. A single windowed-sinc stage must be sharp (a 500 Hz transition at 16 kHz), and its
 * cost per output grows with the input rate; from well above twice the output rate it is cheaper to halve the rate
 * first with a short, loose stage that only keeps aliases out of the band the sharp stage passes
 * (44.1 kHz → 22.05 kHz → 16 kHz: 28 + 180 taps per 22.05 kHz / 16 kHz sample instead of 352).
 *
 * Timing and length are those of one ideal stage: output k sits at k / toHz, a stream of n samples yields
 * round(n * toHz / fromHz) outputs, and at the end every stage runs its kernel over zeros past the input, so the
 * intermediate streams carry their full tails. Not thread-safe.
 */

import {
  conversionSpec,
  kernelTaps,
  type LowPassSpec,
  PASSBAND_EDGE_FRACTION,
  STOPBAND_EDGE_FRACTION,
} from './polyphase-kernel.js';
import { PolyphaseStream, roundedOutputLength } from './polyphase-stream.js';

interface StagePlan {
  readonly fromHz: number;
  readonly toHz: number;
  readonly spec: LowPassSpec;
}

/**
 * Halving stages while they lower the taps computed per output sample, then the sharp stage to `toHz`. A halving
 * stage from R keeps 0 … PASSBAND_EDGE_FRACTION * toHz flat and removes everything that would fold into
 * 0 … STOPBAND_EDGE_FRACTION * toHz at R / 2 (the band above is the sharp stage's to remove).
 */
export function planStages(fromHz: number, toHz: number): StagePlan[] {
  const stages: StagePlan[] = [];
  let rateHz = fromHz;
  for (;;) {
    const halfHz = rateHz / 2;
    const halving: LowPassSpec = {
      passbandEdgeHz: PASSBAND_EDGE_FRACTION * toHz,
      stopbandEdgeHz: halfHz - STOPBAND_EDGE_FRACTION * toHz,
    };
    if (halving.stopbandEdgeHz <= halving.passbandEdgeHz) break;
    const directCost = kernelTaps(rateHz, conversionSpec(rateHz, toHz));
    const halvedCost =
      (kernelTaps(rateHz, halving) * halfHz) / toHz + kernelTaps(halfHz, conversionSpec(halfHz, toHz));
    if (halvedCost >= directCost) break;
    stages.push({ fromHz: rateHz, toHz: halfHz, spec: halving });
    rateHz = halfHz;
  }
  stages.push({ fromHz: rateHz, toHz, spec: conversionSpec(rateHz, toHz) });
  return stages;
}

export class ResamplingChain {
  private readonly stages: PolyphaseStream[];

  constructor(
    private readonly fromHz: number,
    private readonly toHz: number,
  ) {
    this.stages = planStages(fromHz, toHz).map(
      (plan) => new PolyphaseStream(plan.fromHz, plan.toHz, plan.spec),
    );
  }

  /** Output samples that pushing `sampleCount` more input samples makes computable. */
  countAfterPush(sampleCount: number): number {
    let count = sampleCount;
    for (const stage of this.stages) count = stage.countAfterPush(count);
    return count;
  }

  /** Appends input, writes every output it completes at out[outOffset…], returns the offset after the last. */
  push(chunk: Float32Array, out: Float32Array, outOffset: number): number {
    const last = this.stages.length - 1;
    let carried = chunk;
    for (let s = 0; s < last; s++) carried = pushAll(this.stages[s]!, carried);
    return this.stages[last]!.push(carried, out, outOffset);
  }

  /** Output samples flush() will write. */
  countAtFlush(): number {
    const totals = this.flushTotals();
    return this.stages.at(-1)!.countAtFlush(totals.at(-1)!);
  }

  /** Ends the stream: writes the remaining outputs at out[outOffset…], returns the offset after the last, resets. */
  flush(out: Float32Array, outOffset: number): number {
    const totals = this.flushTotals();
    const last = this.stages.length - 1;
    let carried = new Float32Array(0);
    for (let s = 0; s < last; s++) {
      const stage = this.stages[s]!;
      const tail = new Float32Array(stage.countAtFlush(totals[s]!));
      stage.flush(carried, tail, 0, totals[s]!);
      carried = tail;
    }
    return this.stages[last]!.flush(carried, out, outOffset, totals[last]!);
  }

  /**
   * How many outputs each stage ends with: the last round(n * toHz / fromHz); each earlier one as many as the next
   * stage's windows read (or what it has already emitted, if more).
   */
  private flushTotals(): number[] {
    const totals = new Array<number>(this.stages.length);
    let total = roundedOutputLength(this.stages[0]!.inputCount, this.fromHz, this.toHz);
    for (let s = this.stages.length - 1; s >= 0; s--) {
      const stage = this.stages[s]!;
      total = Math.max(total, stage.outputCount);
      totals[s] = total;
      total = stage.inputSpanOf(total);
    }
    return totals;
  }
}

function pushAll(stage: PolyphaseStream, chunk: Float32Array): Float32Array {
  const out = new Float32Array(stage.countAfterPush(chunk.length));
  stage.push(chunk, out, 0);
  return out;
}
