/**
 * Word error rate: the word-level Levenshtein distance between references and hypotheses (substitutions, deletions
 * and insertions each cost 1), summed over all pairs and divided by the number of reference words. Texts are split
 * at whitespace only; normalise both sides first (EnglishTextNormalizer, BasicTextNormalizer).
 */
import { InvalidArgumentError } from '../errors.js';
import { splitWords } from './python-text.js';

export interface WordErrorRate {
  /** (substitutions + deletions + insertions) / words; can exceed 1. */
  readonly wer: number;
  readonly substitutions: number;
  readonly deletions: number;
  readonly insertions: number;
  /** Reference words: the denominator. */
  readonly words: number;
}

interface EditCounts {
  substitutions: number;
  deletions: number;
  insertions: number;
}

/**
 * The cheapest alignment of two word lists. Among alignments of equal cost, the one traced back preferring a match or
 * substitution, then a deletion, then an insertion.
 */
function alignWords(reference: readonly string[], hypothesis: readonly string[]): EditCounts {
  const columns = hypothesis.length + 1;
  // cost[i * columns + j]: distance between the first i reference words and the first j hypothesis words
  const cost = new Uint32Array((reference.length + 1) * columns);
  for (let j = 0; j < columns; j++) cost[j] = j;
  for (let i = 1; i <= reference.length; i++) {
    cost[i * columns] = i;
    for (let j = 1; j < columns; j++) {
      const diagonal = cost[(i - 1) * columns + j - 1]! + (reference[i - 1] === hypothesis[j - 1] ? 0 : 1);
      const deletion = cost[(i - 1) * columns + j]! + 1;
      const insertion = cost[i * columns + j - 1]! + 1;
      cost[i * columns + j] = Math.min(diagonal, deletion, insertion);
    }
  }
  const counts: EditCounts = { substitutions: 0, deletions: 0, insertions: 0 };
  let [i, j] = [reference.length, hypothesis.length];
  while (i > 0 || j > 0) {
    const here = cost[i * columns + j]!;
    if (i > 0 && j > 0) {
      const same = reference[i - 1] === hypothesis[j - 1];
      if (here === cost[(i - 1) * columns + j - 1]! + (same ? 0 : 1)) {
        if (!same) counts.substitutions += 1;
        i -= 1;
        j -= 1;
        continue;
      }
    }
    if (i > 0 && here === cost[(i - 1) * columns + j]! + 1) {
      counts.deletions += 1;
      i -= 1;
    } else {
      counts.insertions += 1;
      j -= 1;
    }
  }
  return counts;
}

/**
 * The word error rate of hypotheses against references, pair by pair (one string each, or equal-length arrays).
 * Throws InvalidArgumentError when the arrays differ in length or the references hold no word at all.
 */
export function wordErrorRate(
  references: string | readonly string[],
  hypotheses: string | readonly string[],
): WordErrorRate {
  const refs = typeof references === 'string' ? [references] : references;
  const hyps = typeof hypotheses === 'string' ? [hypotheses] : hypotheses;
  if (refs.length !== hyps.length) {
    throw new InvalidArgumentError(
      `[wordErrorRate] references and hypotheses differ in count: ${refs.length} and ${hyps.length}`,
    );
  }
  const total: EditCounts = { substitutions: 0, deletions: 0, insertions: 0 };
  let words = 0;
  for (const [index, reference] of refs.entries()) {
    const referenceWords = splitWords(reference);
    const counts = alignWords(referenceWords, splitWords(hyps[index]!));
    words += referenceWords.length;
    total.substitutions += counts.substitutions;
    total.deletions += counts.deletions;
    total.insertions += counts.insertions;
  }
  if (words === 0) throw new InvalidArgumentError('[wordErrorRate] the references hold no words: 0');
  const errors = total.substitutions + total.deletions + total.insertions;
  return { wer: errors / words, ...total, words };
}
