/**
 * One window's decoded tokens cut into segments at its timestamp tokens, exactly as openai/whisper transcribe.py
 * does: a segment ends at each pair of consecutive timestamps (`<|1.00|><|1.00|>`); a window ending on a single
 * timestamp closes its last segment there and the whole window is consumed; otherwise text after the last pair is
 * left for the next window, which starts at that last timestamp. Times stay in timestamp steps (0.02 s) from the
 * window's start, so each mode converts them to its own units once. Pure.
 */

export interface WindowSegment {
  /** Start in timestamp steps from the window's start. */
  readonly startStep: number;
  /** End in timestamp steps; undefined: the end of the audio the window holds. */
  readonly endStep: number | undefined;
  /** The segment's tokens, its timestamp tokens included. */
  readonly tokens: readonly number[];
}

export interface WindowSplit {
  readonly segments: readonly WindowSegment[];
  /**
   * How far the next window starts, in timestamp steps from this one's start; undefined: after the whole window
   * (its last segment was closed by a single timestamp, or it had no consecutive timestamps).
   */
  readonly advanceStep: number | undefined;
  /** The tokens end on a single timestamp after text (whisper's `single_timestamp_ending`). */
  readonly singleTimestampEnding: boolean;
}

/**
 * @param tokens a window's decoded tokens (no start sequence, no `<|endoftext|>`), timestamps included.
 * @param timestampBegin the id of `<|0.00|>`.
 */
export function splitWindowTokens(tokens: ArrayLike<number>, timestampBegin: number): WindowSplit {
  const ids = Array.from(tokens);
  const isTimestamp = ids.map((id) => id >= timestampBegin);
  const step = (id: number | undefined) =>
    id !== undefined && id >= timestampBegin ? id - timestampBegin : undefined;
  const n = ids.length;
  const singleTimestampEnding = n >= 2 && !isTimestamp[n - 2] && isTimestamp[n - 1]!;
  const slices: number[] = [];
  for (let i = 1; i < n; i++) if (isTimestamp[i - 1] && isTimestamp[i]) slices.push(i);

  if (slices.length === 0) {
    // One segment for the whole window, ending at its last timestamp when there is one past <|0.00|>.
    const lastTimestamp = step(ids.findLast((id) => id >= timestampBegin));
    return {
      segments: [{ startStep: 0, endStep: lastTimestamp ? lastTimestamp : undefined, tokens: ids }],
      advanceStep: undefined,
      singleTimestampEnding,
    };
  }
  if (singleTimestampEnding) slices.push(n);
  const segments: WindowSegment[] = [];
  let lastSlice = 0;
  for (const slice of slices) {
    const sliced = ids.slice(lastSlice, slice);
    // The timestamp rules make a segment start and end on timestamps; a first segment that does not (text forced
    // by a prefix) starts at the window's start, and one without an end runs to the window's end.
    segments.push({ startStep: step(sliced[0]) ?? 0, endStep: step(sliced.at(-1)), tokens: sliced });
    lastSlice = slice;
  }
  return {
    segments,
    advanceStep: singleTimestampEnding ? undefined : step(ids[lastSlice - 1]),
    singleTimestampEnding,
  };
}
