/** A stretch of speech in a 16 kHz signal, sample-accurate. */
export interface SpeechSpan {
  /** First sample of the span. */
  readonly startSample: number;
  /** One past the last sample (exclusive end). */
  readonly endSample: number;
}
