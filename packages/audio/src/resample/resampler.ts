/**
 * Band-limited sample-rate conversion between any two rates, streaming or one-shot.
 *
 * Method: Kaiser-windowed sinc low-pass filters applied as polyphase filters (resampling-chain.ts plans the stages).
 * The response is flat within 0.03 dB up to 0.4375 of the lower rate (7 kHz at 16 kHz) and at least 60 dB down from
 * 0.46875 of it (7.5 kHz) up. When both rates are integers the ratio is reduced by their gcd and every phase is
 * tabulated exactly (22.05 kHz → 16 kHz: 320 phases); otherwise 256 phases are tabulated and interpolated.
 *
 * Timing: output sample k is centred on input time k / toHz (the filters' delay is compensated); a whole stream of
 * n input samples yields round(n * toHz / fromHz) outputs, halves rounded up (resampledLength()). Input before the
 * first sample and after the last is taken as silence.
 */

import { assertSampleRate } from '@verbatim/core';
import { roundedOutputLength } from './polyphase-stream.js';
import { ResamplingChain } from './resampling-chain.js';

/** Input samples fed through the filters at a time by resample(): bounds its intermediate buffers. */
const ONE_SHOT_SLICE_SAMPLES = 1 << 20;

/**
 * Output samples a whole stream of `sampleCount` input samples yields: round(sampleCount * toHz / fromHz), halves
 * up. Throws InvalidArgumentError when a rate is not a positive finite number.
 */
export function resampledLength(sampleCount: number, fromHz: number, toHz: number): number {
  assertSampleRate(fromHz, 'resampledLength');
  assertSampleRate(toHz, 'resampledLength');
  return fromHz === toHz ? sampleCount : roundedOutputLength(sampleCount, fromHz, toHz);
}

/**
 * Converts a whole signal from `fromHz` to `toHz`. Returns a new array of resampledLength(samples.length) samples (a
 * copy when the rates are equal), bit-identical to pushing the same samples through a Resampler in any chunks and
 * flushing. Throws InvalidArgumentError when a rate is not a positive finite number.
 */
export function resample(samples: Float32Array, fromHz: number, toHz: number): Float32Array {
  assertSampleRate(fromHz, 'resample');
  assertSampleRate(toHz, 'resample');
  if (fromHz === toHz) return samples.slice();
  const chain = new ResamplingChain(fromHz, toHz);
  const out = new Float32Array(roundedOutputLength(samples.length, fromHz, toHz));
  let offset = 0;
  for (let start = 0; start < samples.length; start += ONE_SHOT_SLICE_SAMPLES) {
    offset = chain.push(samples.subarray(start, start + ONE_SHOT_SLICE_SAMPLES), out, offset);
  }
  chain.flush(out, offset);
  return out;
}

/**
 * A streaming resampler: push() chunks of any size (one sample included), then flush() once at the end. The
 * concatenated outputs equal resample() of the concatenated input exactly. Each output is returned once the input
 * up to half a kernel past its position has arrived (about 4 ms at 44.1 kHz → 16 kHz). Not thread-safe; one stream
 * per instance, reusable after flush().
 */
export class Resampler {
  readonly fromHz: number;
  readonly toHz: number;
  /** Undefined when the rates are equal: push() then copies its input. */
  private readonly chain: ResamplingChain | undefined;

  /** Throws InvalidArgumentError when a rate is not a positive finite number. */
  constructor(fromHz: number, toHz: number) {
    assertSampleRate(fromHz, 'Resampler');
    assertSampleRate(toHz, 'Resampler');
    this.fromHz = fromHz;
    this.toHz = toHz;
    this.chain = fromHz === toHz ? undefined : new ResamplingChain(fromHz, toHz);
  }

  /** Appends a chunk of input; returns the output samples it completes (possibly none). */
  push(chunk: Float32Array): Float32Array {
    if (this.chain === undefined) return chunk.slice();
    const out = new Float32Array(this.chain.countAfterPush(chunk.length));
    this.chain.push(chunk, out, 0);
    return out;
  }

  /** Ends the stream: returns the remaining output samples and makes the resampler ready for a new stream. */
  flush(): Float32Array {
    if (this.chain === undefined) return new Float32Array(0);
    const out = new Float32Array(this.chain.countAtFlush());
    this.chain.flush(out, 0);
    return out;
  }
}
