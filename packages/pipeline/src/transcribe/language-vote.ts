/**
 * Language detection by a vote across the audio rather than from its first 30 s alone: a few windows spread over
 * the speech each give the probability of every language, weighted by how much audio the window holds, and the
 * language with the largest weighted mean wins.
 */

/** The winner of a vote: the index of its language and its weighted mean probability. */
export interface LanguageVote {
  readonly index: number;
  readonly probability: number;
}

/**
 * @param probabilities one row per window, the probability of each language (all rows the same length).
 * @param weights one weight ≥ 0 per window (seconds of audio it holds); equal weights when every weight is 0.
 * @throws RangeError when there are no rows or the rows and weights disagree (a programming error).
 */
export function voteLanguage(
  probabilities: readonly ArrayLike<number>[],
  weights: readonly number[],
): LanguageVote {
  if (probabilities.length === 0 || probabilities.length !== weights.length) {
    throw new RangeError(
      `[voteLanguage] need one weight per row: ${probabilities.length} rows, ${weights.length} weights`,
    );
  }
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const weightOf = (row: number) => (total > 0 ? weights[row]! / total : 1 / weights.length);
  const nLanguages = probabilities[0]!.length;
  const mean = new Float64Array(nLanguages);
  probabilities.forEach((row, r) => {
    for (let l = 0; l < nLanguages; l++) mean[l]! += row[l]! * weightOf(r);
  });
  let index = 0;
  for (let l = 1; l < nLanguages; l++) if (mean[l]! > mean[index]!) index = l;
  return { index, probability: mean[index]! };
}

/** `count` indices spread evenly over 0 … n − 1, first and last included (fewer when n is smaller). */
export function spreadIndices(n: number, count: number): number[] {
  if (n <= count) return Array.from({ length: n }, (_, i) => i);
  if (count === 1) return [0];
  return Array.from({ length: count }, (_, i) => Math.round((i * (n - 1)) / (count - 1)));
}
