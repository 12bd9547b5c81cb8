/** What transcribe() accepts as input, turned into mono 16 kHz samples. */

import { loadAudio, resample } from '@verbatim/audio';
import {
  type AudioBuffer,
  assertSampleRate,
  firstNonFinite,
  InvalidArgumentError,
  SAMPLE_RATE_HZ,
} from '@verbatim/core';

/** A file path (any format loadAudio reads), mono samples at 16 kHz, or an AudioBuffer at any rate. */
export type TranscribeInput = string | Float32Array | AudioBuffer;

/**
 * The input's mono 16 kHz samples: the array itself when it already is one (not copied), a decoded file, or a
 * resampled copy.
 * @throws as loadAudio for a path; InvalidArgumentError for another kind of input or a sample that is not finite.
 */
export async function inputSamples(input: TranscribeInput): Promise<Float32Array> {
  let samples: Float32Array;
  if (typeof input === 'string') {
    samples = (await loadAudio(input)).samples;
  } else if (input instanceof Float32Array) {
    samples = input;
  } else if (typeof input === 'object' && input !== null && input.samples instanceof Float32Array) {
    assertSampleRate(input.sampleRateHz, 'transcribe');
    samples =
      input.sampleRateHz === SAMPLE_RATE_HZ
        ? input.samples
        : resample(input.samples, input.sampleRateHz, SAMPLE_RATE_HZ);
  } else {
    throw new InvalidArgumentError(
      `[transcribe] input must be a file path, a Float32Array at 16000 Hz or an AudioBuffer: ${String(input)}`,
    );
  }
  const bad = firstNonFinite(samples);
  if (bad >= 0)
    throw new InvalidArgumentError(`[transcribe] audio sample ${bad} is not finite: ${samples[bad]}`);
  return samples;
}
