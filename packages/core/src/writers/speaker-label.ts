/** WhisperX's speaker label on diarized text: `[SPEAKER_00]: text`. */

/** `text` prefixed with `[speaker]: `, or `text` unchanged when no diarization stage named a speaker. */
export function withSpeakerLabel(text: string, speaker: string | undefined): string {
  return speaker === undefined ? text : `[${speaker}]: ${text}`;
}
