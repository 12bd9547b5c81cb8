// @ts-check
/**
 * Verbatim's transcripts of a set of clips against transformers' transcripts of the same clips: each one's word
 * error rate against the references (Whisper's English normaliser) and how many clips got the same text.
 */
import { EnglishTextNormalizer, wordErrorRate } from '@verbatim/core';

/**
 * @param {{ id: string, reference: string, ours: string, theirs: string }[]} clips
 */
export function compareTranscripts(clips) {
  if (clips.length === 0) throw new Error('[compareTranscripts] no clips to compare');
  const normalize = new EnglishTextNormalizer();
  const refs = clips.map((clip) => normalize.normalize(clip.reference));
  const ours = clips.map((clip) => normalize.normalize(clip.ours));
  const theirs = clips.map((clip) => normalize.normalize(clip.theirs));
  const identical = clips.filter((clip) => clip.ours.trim() === clip.theirs.trim()).length;
  const sameNormalized = ours.filter((text, i) => text === theirs[i]).length;
  return {
    clips: clips.length,
    werOurs: wordErrorRate(refs, ours).wer,
    werTheirs: wordErrorRate(refs, theirs).wer,
    identicalText: identical / clips.length,
    sameNormalizedText: sameNormalized / clips.length,
    differing: clips
      .filter((_, i) => ours[i] !== theirs[i])
      .map((clip) => ({ id: clip.id, ours: clip.ours.trim(), theirs: clip.theirs.trim() })),
  };
}
