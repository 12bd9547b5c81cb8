// @ts-check
/**
 * Checks a long-form transcript against its reference utterances: was each utterance transcribed once, lost, or
 * duplicated? Both sides are normalised with @verbatim/core's EnglishTextNormalizer (Whisper's) and split into words;
 * the whole hypothesis is aligned to the whole reference (word-level Levenshtein with backtrace), which gives the
 * overall WER and, for each utterance, its correct, substituted and deleted words. Then:
 *
 * - lost: more than LOST_DELETED_SHARE of the utterance's words are deleted (nothing in the transcript stands for
 *   them, not even a wrong word);
 * - duplicated: its neighbourhood in the transcript holds it twice or more. The neighbourhood is every hypothesis
 *   word after the previous utterance's aligned words and before the next one's (its own aligned words and the
 *   inserted words on either side); copies are counted by repeated best local alignment of the utterance there, a
 *   stretch being a copy when at least COPY_MATCHED_SHARE of the utterance's words (and at least two) match in
 *   order. Every duplicate lies there, because the global alignment consumes one copy and leaves the others as
 *   insertions next to it; a copy transcribed far from its place (more than one utterance away) is counted as
 *   inserted words only;
 * - garbled: neither, but fewer than GARBLED_CORRECT_SHARE of its words are correct (a recognition error, not a
 *   chunking one);
 * - ok: the rest.
 *
 * With the VAD chunks the transcription decoded, each utterance also gets the chunks holding its audio, so the
 * outcomes of utterances that straddle a chunk boundary, sit next to one, or fall outside every chunk are reported.
 */
import { EnglishTextNormalizer } from '@verbatim/core';
import { boundaryUtterances, utteranceCoverage } from './chunk-coverage.mjs';
import { alignWords, bestLocalMatch } from './word-alignment.mjs';

/** @typedef {import('./chunk-coverage.mjs').ChunkExtent} ChunkExtent */
/** @typedef {'ok' | 'lost' | 'duplicated' | 'garbled'} UtteranceOutcome */
/** @typedef {{ readonly startSample: number, readonly endSample: number, readonly text: string }} ReferenceUtterance */
/** @typedef {{ readonly startS: number, readonly endS: number, readonly text: string }} HypothesisSegment */

/** An utterance is lost when more than this share of its words are deleted. */
export const LOST_DELETED_SHARE = 0.5;
/** A stretch of the transcript is a copy of an utterance when at least this share of its words match, in order. */
export const COPY_MATCHED_SHARE = 0.5;
/** Fewer correct words than this share (neither lost nor duplicated): garbled. */
export const GARBLED_CORRECT_SHARE = 0.5;
/** Utterances count as outside the speech chunks when less than this share of their samples is in one. */
export const OUTSIDE_CHUNKS_SHARE = 0.5;

/**
 * @typedef {object} UtteranceCheck
 * @property {number} index the utterance's index in the reference
 * @property {number} words normalised reference words
 * @property {number} correct
 * @property {number} substitutions
 * @property {number} deletions
 * @property {number} insertions hypothesis words inserted between the utterance's first and last aligned word
 * @property {number} copies stretches of its neighbourhood that match it (1 when transcribed once)
 * @property {number[]} copyMatches matched words of each copy, in transcript order
 * @property {[number, number]} hypothesisWords its neighbourhood: hypothesis word indices [start, end)
 * @property {UtteranceOutcome} outcome
 * @property {number[] | undefined} chunks with chunks: the chunks holding its audio
 * @property {number | undefined} coveredShare with chunks: the share of its samples inside a chunk
 */

/**
 * @typedef {object} BoundaryReport
 * @property {number} chunks
 * @property {number} boundaries chunks − 1
 * @property {{ index: number, chunks: number[], outcome: UtteranceOutcome }[]} straddling utterances with audio in
 *   two or more chunks
 * @property {Record<UtteranceOutcome, number> & { utterances: number }} nextToBoundary outcomes of the last utterance
 *   of each chunk and the first of the next (straddling ones included), each utterance counted once
 * @property {{ index: number, coveredShare: number, outcome: UtteranceOutcome }[]} outsideChunks utterances mostly
 *   outside every chunk (the VAD missed them)
 */

/**
 * @typedef {object} LongFormCheck
 * @property {number} utterances
 * @property {number} referenceWords
 * @property {number} hypothesisWords
 * @property {string[]} hypothesis the transcript's normalised words (UtteranceCheck.hypothesisWords indexes them)
 * @property {{ wer: number, substitutions: number, deletions: number, insertions: number, words: number }} wer
 * @property {Record<UtteranceOutcome, number>} outcomes
 * @property {number[]} lost indices of lost utterances
 * @property {number[]} duplicated indices of duplicated utterances
 * @property {number} insertionsBetweenUtterances inserted hypothesis words outside every utterance's aligned extent
 * @property {BoundaryReport | undefined} boundaries present when chunks were given
 * @property {UtteranceCheck[]} perUtterance
 */

/**
 * @param {readonly ReferenceUtterance[]} utterances in order of time, each with at least one word once normalised
 * @param {readonly HypothesisSegment[]} segments the transcript, in order of time
 * @param {{ chunks?: readonly ChunkExtent[] }} [options] the VAD chunks the transcription decoded
 * @returns {LongFormCheck}
 * @throws Error when an utterance has no words once normalised.
 */
export function checkLongForm(utterances, segments, options = {}) {
  const normalizer = new EnglishTextNormalizer();
  const words = (/** @type {string} */ text) => normalizer.normalize(text).split(/\s+/u).filter(Boolean);
  /** @type {string[]} */
  const reference = [];
  /** @type {number[]} */
  const owner = []; // reference word → utterance index
  /** @type {string[][]} */
  const utteranceWords = [];
  for (const [index, utterance] of utterances.entries()) {
    const own = words(utterance.text);
    if (own.length === 0)
      throw new Error(`[checkLongForm] utterance ${index} has no words: ${utterance.text}`);
    utteranceWords.push(own);
    for (const word of own) {
      reference.push(word);
      owner.push(index);
    }
  }
  const hypothesis = segments.flatMap((segment) => words(segment.text));
  const steps = alignWords(reference, hypothesis);

  // hypothesisBefore[s]: hypothesis words consumed by steps[0, s)
  const hypothesisBefore = new Int32Array(steps.length + 1);
  const firstStep = new Array(utterances.length).fill(-1);
  const lastStep = new Array(utterances.length).fill(-1);
  const tally = utterances.map(() => ({ correct: 0, substitutions: 0, deletions: 0, insertions: 0 }));
  const total = { substitutions: 0, deletions: 0, insertions: 0 };
  for (const [s, step] of steps.entries()) {
    hypothesisBefore[s + 1] = (hypothesisBefore[s] ?? 0) + (step.hyp >= 0 ? 1 : 0);
    if (step.op === 'ins') {
      total.insertions += 1;
      continue;
    }
    const u = owner[step.ref];
    if (u === undefined) throw new Error(`[checkLongForm] reference word ${step.ref} has no utterance`);
    if (firstStep[u] === -1) firstStep[u] = s;
    lastStep[u] = s;
    const counts = tally[u];
    if (counts === undefined) throw new Error(`[checkLongForm] no tally for utterance ${u}`);
    if (step.op === 'match') counts.correct += 1;
    else if (step.op === 'sub') {
      counts.substitutions += 1;
      total.substitutions += 1;
    } else {
      counts.deletions += 1;
      total.deletions += 1;
    }
  }
  let insideInsertions = 0;
  for (const [u, counts] of tally.entries()) {
    for (let s = firstStep[u] + 1; s < lastStep[u]; s++) if (steps[s]?.op === 'ins') counts.insertions += 1;
    insideInsertions += counts.insertions;
  }

  const coverage = options.chunks === undefined ? undefined : utteranceCoverage(utterances, options.chunks);
  /** @type {UtteranceCheck[]} */
  const perUtterance = tally.map((counts, u) => {
    const own = utteranceWords[u] ?? [];
    const start = u === 0 ? 0 : (hypothesisBefore[lastStep[u - 1] + 1] ?? 0);
    const end = u + 1 === utterances.length ? hypothesis.length : (hypothesisBefore[firstStep[u + 1]] ?? 0);
    const copyMatches = countCopies(own, hypothesis, start, end);
    /** @type {UtteranceOutcome} */
    let outcome = 'ok';
    if (counts.deletions > LOST_DELETED_SHARE * own.length) outcome = 'lost';
    else if (copyMatches.length >= 2) outcome = 'duplicated';
    else if (counts.correct < GARBLED_CORRECT_SHARE * own.length) outcome = 'garbled';
    return {
      index: u,
      words: own.length,
      ...counts,
      copies: copyMatches.length,
      copyMatches,
      hypothesisWords: /** @type {[number, number]} */ ([start, end]),
      outcome,
      chunks: coverage?.[u]?.chunks,
      coveredShare: coverage?.[u]?.coveredShare,
    };
  });

  /** @type {Record<UtteranceOutcome, number>} */
  const outcomes = { ok: 0, lost: 0, duplicated: 0, garbled: 0 };
  for (const check of perUtterance) outcomes[check.outcome] += 1;
  const errors = total.substitutions + total.deletions + total.insertions;
  return {
    utterances: utterances.length,
    referenceWords: reference.length,
    hypothesisWords: hypothesis.length,
    hypothesis,
    wer: { wer: errors / reference.length, ...total, words: reference.length },
    outcomes,
    lost: perUtterance.filter((check) => check.outcome === 'lost').map((check) => check.index),
    duplicated: perUtterance.filter((check) => check.outcome === 'duplicated').map((check) => check.index),
    insertionsBetweenUtterances: total.insertions - insideInsertions,
    boundaries:
      options.chunks === undefined || coverage === undefined
        ? undefined
        : boundaryReport(perUtterance, coverage, options.chunks.length),
    perUtterance,
  };
}

/**
 * The copies of `utterance` among `hypothesis[start, end)`: the best local alignment, then again in what lies
 * left and right of it, as long as one matches enough words. Returns each copy's matched words, in order.
 * @param {readonly string[]} utterance @param {readonly string[]} hypothesis @param {number} start @param {number} end
 */
function countCopies(utterance, hypothesis, start, end) {
  const enough = Math.max(2, Math.ceil(COPY_MATCHED_SHARE * utterance.length));
  /** @type {{ at: number, matches: number }[]} */
  const copies = [];
  const pieces = [[start, end]];
  for (let piece = pieces.pop(); piece !== undefined; piece = pieces.pop()) {
    const [from, to] = /** @type {[number, number]} */ (piece);
    if (to - from < enough) continue;
    const found = bestLocalMatch(utterance, hypothesis, from, to);
    if (found.matches < enough) continue;
    copies.push({ at: found.start, matches: found.matches });
    pieces.push([from, found.start], [found.end, to]);
  }
  return copies.sort((a, b) => a.at - b.at).map((copy) => copy.matches);
}

/**
 * @param {readonly UtteranceCheck[]} perUtterance
 * @param {readonly import('./chunk-coverage.mjs').UtteranceCoverage[]} coverage
 * @param {number} chunkCount
 * @returns {BoundaryReport}
 */
function boundaryReport(perUtterance, coverage, chunkCount) {
  const outcomeOf = (/** @type {number} */ index) => perUtterance[index]?.outcome ?? 'ok';
  const next = new Set(boundaryUtterances(coverage, chunkCount).flatMap((boundary) => boundary.utterances));
  /** @type {Record<UtteranceOutcome, number> & { utterances: number }} */
  const nextToBoundary = { utterances: next.size, ok: 0, lost: 0, duplicated: 0, garbled: 0 };
  for (const index of next) nextToBoundary[outcomeOf(index)] += 1;
  return {
    chunks: chunkCount,
    boundaries: Math.max(0, chunkCount - 1),
    straddling: coverage.flatMap(({ chunks }, index) =>
      chunks.length >= 2 ? [{ index, chunks, outcome: outcomeOf(index) }] : [],
    ),
    nextToBoundary,
    outsideChunks: coverage.flatMap(({ coveredShare }, index) =>
      coveredShare < OUTSIDE_CHUNKS_SHARE ? [{ index, coveredShare, outcome: outcomeOf(index) }] : [],
    ),
  };
}
