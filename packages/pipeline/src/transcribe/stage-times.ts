/**
 * Where a transcription's time goes, stage by stage, so a user (`verbatim transcribe --verbose`) and the
 * benchmarks can see what bounds a run — on a GPU the host's stages, not the model, may be the larger part.
 * Each stage's seconds are the wall time from a call to its result; the engine runs one call at a time per model,
 * so within one run the stages do not overlap and their sum is at most the run's time.
 */

export interface StageTimes {
  /** Silero VAD over the whole input (vad mode). */
  vadS: number;
  /** Language detection: its windows' log-mel, encoder and first decoder step. */
  languageS: number;
  /**
   * The decoded windows' log-mel and the encoder: one engine call (encodeSamples), which on a GPU computes the
   * log-mel there, so the two have no separate times.
   */
  encodeS: number;
  /** The decoder with its logit rules, fallback and timestamps. */
  decodeS: number;
}

export function newStageTimes(): StageTimes {
  return { vadS: 0, languageS: 0, encodeS: 0, decodeS: 0 };
}

/** Runs `work`, adding its wall time to `stage` of `times` (when given), also when it fails. */
export async function timed<T>(
  times: StageTimes | undefined,
  stage: keyof StageTimes,
  work: () => Promise<T>,
): Promise<T> {
  if (times === undefined) return work();
  const start = performance.now();
  try {
    return await work();
  } finally {
    times[stage] += (performance.now() - start) / 1000;
  }
}

/** "vad 1.2 s, language 0.1 s, log-mel+encode 0.9 s, decode 4.0 s": the stages that took any time. */
export function formatStageTimes(times: Readonly<StageTimes>): string {
  const names: readonly [keyof StageTimes, string][] = [
    ['vadS', 'vad'],
    ['languageS', 'language'],
    ['encodeS', 'log-mel+encode'],
    ['decodeS', 'decode'],
  ];
  const parts = names
    .filter(([key]) => times[key] > 0)
    .map(([key, name]) => `${name} ${times[key].toFixed(2)} s`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}
