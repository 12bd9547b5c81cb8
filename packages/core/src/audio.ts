import { InvalidArgumentError } from './errors.js';

/** Mono PCM audio as 32-bit floats in [-1, 1] (values outside are kept: clipping is the caller's business). */
export interface AudioBuffer {
  readonly samples: Float32Array;
  readonly sampleRateHz: number;
}

/** Length of an audio buffer in seconds. */
export function audioDurationS(audio: AudioBuffer): number {
  return audio.samples.length / audio.sampleRateHz;
}

export function assertSampleRate(sampleRateHz: number, operation: string): void {
  if (!Number.isFinite(sampleRateHz) || sampleRateHz <= 0) {
    throw new InvalidArgumentError(
      `[${operation}] sample rate must be a positive number of Hz: ${sampleRateHz}`,
    );
  }
}
