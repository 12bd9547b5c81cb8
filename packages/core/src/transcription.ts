/** The shapes stages exchange: words, segments, and a whole transcription with its info. */

/** One word with its time span on the original audio's timeline. */
export interface Word {
  /** The word as the tokenizer decoded it, leading space included (Whisper's convention). */
  readonly word: string;
  readonly startS: number;
  readonly endS: number;
  /** Mean token probability of the word, 0..1. */
  readonly probability: number;
}

/** One decoded segment, timed on the original audio's timeline (after mapping back from VAD chunks). */
export interface Segment {
  readonly id: number;
  readonly startS: number;
  readonly endS: number;
  readonly text: string;
  /** Text token ids, timestamps included, as the decoder produced them. */
  readonly tokens: readonly number[];
  /** Temperature that produced the accepted decode (0 for greedy / beam). */
  readonly temperature: number;
  readonly avgLogprob: number;
  readonly compressionRatio: number;
  readonly noSpeechProb: number;
  /** Present when word timestamps were requested. */
  readonly words?: readonly Word[];
  /** Speaker label, when a diarization stage assigned one. */
  readonly speaker?: string;
}

/** What the run found and decided, echoed with the result so a caller can reproduce it. */
export interface TranscriptionInfo {
  /** Language code (e.g. `en`) that was given or detected. */
  readonly language: string;
  /** Probability of the detected language; 1 when the language was given. */
  readonly languageProbability: number;
  /** Duration of the input audio in seconds. */
  readonly durationS: number;
  /** Duration of the speech that was decoded (after VAD), in seconds. */
  readonly durationAfterVadS: number;
  /** Name or path of the model that was used. */
  readonly model: string;
}

export interface TranscriptionResult {
  readonly info: TranscriptionInfo;
  readonly segments: readonly Segment[];
}

/** The full text of a transcription: segment texts joined as Whisper's `result["text"]` is. */
export function transcriptionText(segments: readonly Segment[]): string {
  return segments.map((segment) => segment.text).join('');
}
