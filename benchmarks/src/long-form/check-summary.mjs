// @ts-check
/**
 * A long-form check for people and for result records: the counts, and the details (reference text, what the
 * transcript holds there) of every utterance that was lost or duplicated, straddles a chunk boundary or lies outside
 * the chunks; the outcomes of the rest are only counted.
 */

/** Utterances listed per kind on a terminal; the summary object holds them all. */
const MAX_LISTED = 12;

/** @typedef {import('./check-transcript.mjs').LongFormCheck} LongFormCheck */
/** @typedef {import('./check-transcript.mjs').ReferenceUtterance} ReferenceUtterance */

/**
 * @param {LongFormCheck} check
 * @param {readonly ReferenceUtterance[]} utterances the reference the check was made against
 * @param {number} sampleRateHz
 */
export function summarizeCheck(check, utterances, sampleRateHz) {
  const detail = (/** @type {number} */ index) => {
    const result = check.perUtterance[index];
    const utterance = utterances[index];
    if (result === undefined || utterance === undefined)
      throw new Error(`[summarizeCheck] no utterance ${index}`);
    const [start, end] = result.hypothesisWords;
    return {
      index,
      start_s: round(utterance.startSample / sampleRateHz, 3),
      end_s: round(utterance.endSample / sampleRateHz, 3),
      outcome: result.outcome,
      words: result.words,
      correct: result.correct,
      deletions: result.deletions,
      copies: result.copies,
      ...(result.chunks !== undefined && { chunks: result.chunks }),
      reference: utterance.text,
      transcript_there: check.hypothesis.slice(start, end).join(' '),
    };
  };
  const boundaries = check.boundaries;
  return {
    utterances: check.utterances,
    reference_words: check.referenceWords,
    hypothesis_words: check.hypothesisWords,
    wer: round(check.wer.wer, 5),
    substitutions: check.wer.substitutions,
    deletions: check.wer.deletions,
    insertions: check.wer.insertions,
    insertions_between_utterances: check.insertionsBetweenUtterances,
    outcomes: check.outcomes,
    lost: check.lost.map(detail),
    duplicated: check.duplicated.map(detail),
    ...(boundaries !== undefined && {
      chunks: boundaries.chunks,
      chunk_boundaries: boundaries.boundaries,
      next_to_boundary: boundaries.nextToBoundary,
      straddling: boundaries.straddling.map(({ index }) => detail(index)),
      outside_chunks: boundaries.outsideChunks.map(({ index, coveredShare }) => ({
        ...detail(index),
        covered_share: round(coveredShare, 3),
      })),
    }),
  };
}

/** @typedef {ReturnType<typeof summarizeCheck>} CheckSummary */

/**
 * @param {CheckSummary} summary
 * @returns {string} lines for a terminal, with a final newline
 */
export function formatCheckSummary(summary) {
  const percent = (/** @type {number} */ value) => `${(100 * value).toFixed(2)}%`;
  const o = summary.outcomes;
  const lines = [
    `utterances: ${summary.utterances} (${summary.reference_words} words); transcript: ${summary.hypothesis_words} words`,
    `WER ${percent(summary.wer)} (S ${summary.substitutions}, D ${summary.deletions}, I ${summary.insertions}; ` +
      `${summary.insertions_between_utterances} inserted between utterances)`,
    `outcomes: ${o.ok} once, ${o.lost} lost, ${o.duplicated} duplicated, ${o.garbled} garbled (transcribed once, ` +
      'fewer than half the words right)',
  ];
  if (summary.chunks !== undefined) {
    const near = summary.next_to_boundary;
    lines.push(
      `VAD chunks: ${summary.chunks} (${summary.chunk_boundaries} boundaries); ${summary.straddling?.length ?? 0} ` +
        `utterances straddle a boundary, ${summary.outside_chunks?.length ?? 0} lie mostly outside every chunk`,
      `next to a boundary: ${near?.utterances ?? 0} utterances: ${near?.ok ?? 0} once, ${near?.lost ?? 0} lost, ` +
        `${near?.duplicated ?? 0} duplicated, ${near?.garbled ?? 0} garbled`,
    );
  }
  /** @param {string} title @param {readonly ReturnType<typeof summarizeCheck>['lost'][number][]} details */
  const list = (title, details) => {
    if (details.length === 0) return;
    lines.push(`${title}:`);
    for (const d of details.slice(0, MAX_LISTED)) {
      const where = d.chunks === undefined ? '' : ` chunks [${d.chunks.join(', ')}]`;
      lines.push(
        `  #${d.index} ${d.start_s.toFixed(2)}–${d.end_s.toFixed(2)} s${where}: ${d.outcome}, ` +
          `${d.correct}/${d.words} correct, ${d.deletions} deleted, ${d.copies} copies`,
        `      reference:  ${d.reference}`,
        `      transcript: ${d.transcript_there}`,
      );
    }
    if (details.length > MAX_LISTED)
      lines.push(`  … and ${details.length - MAX_LISTED} more (all in the JSON)`);
  };
  list('lost', summary.lost);
  list('duplicated', summary.duplicated);
  list('straddling a chunk boundary', summary.straddling ?? []);
  list('outside every chunk', summary.outside_chunks ?? []);
  return `${lines.join('\n')}\n`;
}

/** @param {number} value @param {number} digits */
function round(value, digits) {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
