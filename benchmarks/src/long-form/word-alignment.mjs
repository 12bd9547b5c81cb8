// @ts-check
/**
 * Word-level alignments for the long-form check: the global Levenshtein alignment of a whole hypothesis to a whole
 * reference (with its backtrace, not only its cost), and the best local alignment of one utterance inside a stretch
 * of hypothesis words (to count how many times an utterance was transcribed).
 */

/**
 * One step of an alignment: 'match' and 'sub' consume a reference and a hypothesis word, 'del' a reference word
 * only, 'ins' a hypothesis word only. `ref` / `hyp` are word indices, -1 where the step consumes none.
 * @typedef {{ op: 'match' | 'sub' | 'del' | 'ins', ref: number, hyp: number }} AlignmentStep
 */

/** Most cells of the direction matrix (one byte each): 30 minutes of speech is about 4,500 × 4,500 words. */
const MAX_CELLS = 600_000_000;

const DIAGONAL = 0;
const DELETION = 1;
const INSERTION = 2;

/**
 * The cheapest alignment of two word lists (substitution, deletion and insertion each cost 1), in order. Among
 * alignments of equal cost, the one traced back from the end preferring a match or substitution, then a deletion,
 * then an insertion: @verbatim/core's wordErrorRate's rule, so the counts agree with it. O(n·m) time, n·m bytes.
 * @param {readonly string[]} reference
 * @param {readonly string[]} hypothesis
 * @returns {AlignmentStep[]}
 * @throws Error when n·m exceeds MAX_CELLS.
 */
export function alignWords(reference, hypothesis) {
  const n = reference.length;
  const m = hypothesis.length;
  const columns = m + 1;
  if ((n + 1) * columns > MAX_CELLS) {
    throw new Error(`[alignWords] ${n} × ${m} words is more than ${MAX_CELLS} cells: ${(n + 1) * columns}`);
  }
  const direction = new Uint8Array((n + 1) * columns);
  let previous = new Uint32Array(columns);
  let current = new Uint32Array(columns);
  for (let j = 0; j < columns; j++) {
    previous[j] = j;
    direction[j] = INSERTION;
  }
  for (let i = 1; i <= n; i++) {
    current[0] = i;
    direction[i * columns] = DELETION;
    const word = reference[i - 1];
    for (let j = 1; j < columns; j++) {
      const diagonal = (previous[j - 1] ?? 0) + (word === hypothesis[j - 1] ? 0 : 1);
      const deletion = (previous[j] ?? 0) + 1;
      const insertion = (current[j - 1] ?? 0) + 1;
      let best = diagonal;
      let from = DIAGONAL;
      if (deletion < best) {
        best = deletion;
        from = DELETION;
      }
      if (insertion < best) {
        best = insertion;
        from = INSERTION;
      }
      current[j] = best;
      direction[i * columns + j] = from;
    }
    [previous, current] = [current, previous];
  }
  /** @type {AlignmentStep[]} */
  const steps = [];
  let i = n;
  let j = m;
  while (i > 0 || j > 0) {
    const from = direction[i * columns + j];
    if (from === DIAGONAL) {
      steps.push({ op: reference[i - 1] === hypothesis[j - 1] ? 'match' : 'sub', ref: i - 1, hyp: j - 1 });
      i -= 1;
      j -= 1;
    } else if (from === DELETION) {
      steps.push({ op: 'del', ref: i - 1, hyp: -1 });
      i -= 1;
    } else {
      steps.push({ op: 'ins', ref: -1, hyp: j - 1 });
      j -= 1;
    }
  }
  return steps.reverse();
}

/**
 * The best local alignment (Smith-Waterman: a match scores +1, a substitution, deletion or insertion −1; among
 * equal scores, the most matched words) of `needle` against the words `haystack[from, to)`. `matches` counts the needle's words found equal, in order, in
 * `haystack[start, end)`; all zero when no word of the needle occurs there.
 * @param {readonly string[]} needle
 * @param {readonly string[]} haystack
 * @param {number} from
 * @param {number} to
 * @returns {{ matches: number, start: number, end: number }}
 */
export function bestLocalMatch(needle, haystack, from, to) {
  const n = needle.length;
  const width = Math.max(0, to - from) + 1;
  const score = new Int32Array((n + 1) * width);
  const matched = new Int32Array((n + 1) * width);
  const origin = new Int32Array((n + 1) * width); // haystack index where the alignment ending here starts
  let best = { score: 0, matches: 0, start: from, end: from };
  for (let i = 1; i <= n; i++) {
    for (let k = 1; k < width; k++) {
      const here = i * width + k;
      const up = (i - 1) * width + k;
      const left = i * width + k - 1;
      const diagonal = (i - 1) * width + k - 1;
      const same = needle[i - 1] === haystack[from + k - 1];
      // the best predecessor: diagonal (match +1, substitution −1), up (deletion −1), left (insertion −1)
      let previousCell = diagonal;
      let value = (score[diagonal] ?? 0) + (same ? 1 : -1);
      let matches = (matched[diagonal] ?? 0) + (same ? 1 : 0);
      for (const cell of [up, left]) {
        const through = (score[cell] ?? 0) - 1;
        if (through > value || (through === value && (matched[cell] ?? 0) > matches)) {
          previousCell = cell;
          value = through;
          matches = matched[cell] ?? 0;
        }
      }
      if (value <= 0) continue; // a local alignment starts afresh: score, matches and origin stay 0
      score[here] = value;
      matched[here] = matches;
      // Only a match can start an alignment (from a predecessor that scored 0): it begins at this haystack word.
      const begin = score[previousCell] === 0 ? from + k - 1 : (origin[previousCell] ?? 0);
      origin[here] = begin;
      // equal scores: the stretch with more matched words (a gap bridged rather than the copy cut short)
      if (value > best.score || (value === best.score && matches > best.matches)) {
        best = { score: value, matches, start: begin, end: from + k };
      }
    }
  }
  return { matches: best.matches, start: best.start, end: best.end };
}
