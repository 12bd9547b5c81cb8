// @ts-check
/**
 * Where reference utterances fall relative to the VAD chunks a 'vad'-mode transcription decoded: which chunks hold
 * audio of each utterance, how much of it, and which utterances sit at a boundary between two chunks.
 */

/** @typedef {{ readonly startSample: number, readonly endSample: number }} SampleSpan */
/**
 * A chunk as @verbatim/vad's mergeChunks makes it: its audio is its source spans of the original signal.
 * @typedef {{ readonly startSample: number, readonly endSample: number, readonly sourceSpans: readonly SampleSpan[] }} ChunkExtent
 */
/**
 * @typedef {object} UtteranceCoverage
 * @property {number[]} chunks indices of the chunks holding at least one sample of the utterance, in order
 * @property {number} coveredShare share of the utterance's samples inside some chunk's audio (0 to 1)
 */

/**
 * @param {readonly SampleSpan[]} utterances in samples of the original signal, end exclusive
 * @param {readonly ChunkExtent[]} chunks in order, not overlapping (mergeChunks' output)
 * @returns {UtteranceCoverage[]} one per utterance
 */
export function utteranceCoverage(utterances, chunks) {
  return utterances.map((utterance) => {
    /** @type {number[]} */
    const holding = [];
    let covered = 0;
    for (const [index, chunk] of chunks.entries()) {
      if (chunk.endSample <= utterance.startSample || chunk.startSample >= utterance.endSample) continue;
      let inChunk = 0;
      for (const span of chunk.sourceSpans) {
        const overlap =
          Math.min(span.endSample, utterance.endSample) - Math.max(span.startSample, utterance.startSample);
        if (overlap > 0) inChunk += overlap;
      }
      if (inChunk > 0) holding.push(index);
      covered += inChunk;
    }
    return { chunks: holding, coveredShare: covered / (utterance.endSample - utterance.startSample) };
  });
}

/**
 * The utterances next to each boundary between chunk k and chunk k + 1: the last utterance with audio in chunk k
 * and the first with audio in chunk k + 1 (one utterance when it straddles the boundary).
 * @param {readonly UtteranceCoverage[]} coverage utteranceCoverage's result
 * @param {number} chunkCount
 * @returns {{ boundary: number, utterances: number[] }[]} boundary k lies between chunks k and k + 1
 */
export function boundaryUtterances(coverage, chunkCount) {
  /** @type {number[]} */
  const lastIn = new Array(chunkCount).fill(-1);
  /** @type {number[]} */
  const firstIn = new Array(chunkCount).fill(-1);
  for (const [index, { chunks }] of coverage.entries()) {
    for (const chunk of chunks) {
      if (firstIn[chunk] === -1) firstIn[chunk] = index;
      lastIn[chunk] = index;
    }
  }
  /** @type {{ boundary: number, utterances: number[] }[]} */
  const boundaries = [];
  for (let k = 0; k + 1 < chunkCount; k++) {
    const around = [lastIn[k] ?? -1, firstIn[k + 1] ?? -1].filter((index) => index >= 0);
    boundaries.push({ boundary: k, utterances: [...new Set(around)] });
  }
  return boundaries;
}
