/** Turns what callers pass (16 kHz samples or an AudioBuffer at any rate) into the 16 kHz samples the VAD reads. */

import { resample } from '@verbatim/audio';
import { type AudioBuffer, assertSampleRate, firstNonFinite, InvalidArgumentError } from '@verbatim/core';
import { VAD_SAMPLE_RATE_HZ } from '../constants.js';

/** Mono samples at 16000 Hz, or an AudioBuffer at any rate (resampled to 16000 Hz by @verbatim/audio). */
export type VadAudioInput = Float32Array | AudioBuffer;

/**
 * The input's samples at 16 kHz: the array itself when it already is (not copied), otherwise a resampled copy.
 * @throws InvalidArgumentError when the input is neither form, the rate is invalid, or a sample is NaN or infinite
 *   (one such sample would poison the recurrent state for the rest of the stream).
 */
export function vadSamples(audio: VadAudioInput, operation: string): Float32Array {
  let samples: Float32Array;
  if (audio instanceof Float32Array) {
    samples = audio;
  } else if (audio !== null && typeof audio === 'object' && audio.samples instanceof Float32Array) {
    assertSampleRate(audio.sampleRateHz, operation);
    samples =
      audio.sampleRateHz === VAD_SAMPLE_RATE_HZ
        ? audio.samples
        : resample(audio.samples, audio.sampleRateHz, VAD_SAMPLE_RATE_HZ);
  } else {
    throw new InvalidArgumentError(
      `[${operation}] audio must be a Float32Array at 16000 Hz or an AudioBuffer: ${String(audio)}`,
    );
  }
  const bad = firstNonFinite(samples);
  if (bad >= 0) {
    throw new InvalidArgumentError(`[${operation}] audio sample ${bad} is not finite: ${samples[bad]}`);
  }
  return samples;
}
