import { Tokenizer } from '@verbatim/core';
import { describe, expect, it } from 'vitest';
import { splitWindowTokens } from './window-segments.js';

const tokenizer = Tokenizer.forModel({ vocabSize: 51865 });
const TB = tokenizer.special.timestampBegin;
/** `<|s|>` for s seconds. */
const ts = (seconds: number) => tokenizer.timestampToken(seconds);
const hello = tokenizer.encode(' Hello there.');
const world = tokenizer.encode(' The world.');

describe('splitWindowTokens', () => {
  it('cuts at each timestamp pair and moves on to the last timestamp when the window ends on a pair', () => {
    const tokens = [
      ts(0),
      ...hello,
      ts(1.5),
      ts(1.5),
      ...world,
      ts(3.2),
      ts(3.2),
      ...tokenizer.encode(' cut'),
    ];
    const split = splitWindowTokens(tokens, TB);
    expect(split.segments).toEqual([
      { startStep: 0, endStep: 75, tokens: [ts(0), ...hello, ts(1.5)] },
      { startStep: 75, endStep: 160, tokens: [ts(1.5), ...world, ts(3.2)] },
    ]);
    // The text after the last pair (" cut") is left for the next window, which starts at <|3.20|>.
    expect(split.advanceStep).toBe(160);
    expect(split.singleTimestampEnding).toBe(false);
  });

  it('keeps a last segment closed by a single timestamp and consumes the whole window', () => {
    const tokens = [ts(0), ...hello, ts(1.5), ts(2), ...world, ts(4)];
    const split = splitWindowTokens(tokens, TB);
    expect(split.segments).toEqual([
      { startStep: 0, endStep: 75, tokens: [ts(0), ...hello, ts(1.5)] },
      { startStep: 100, endStep: 200, tokens: [ts(2), ...world, ts(4)] },
    ]);
    expect(split.advanceStep).toBeUndefined();
    expect(split.singleTimestampEnding).toBe(true);
  });

  it('makes one segment up to the last timestamp when there is no pair', () => {
    expect(splitWindowTokens([ts(0.4), ...hello, ts(2.6)], TB)).toEqual({
      segments: [{ startStep: 0, endStep: 130, tokens: [ts(0.4), ...hello, ts(2.6)] }],
      advanceStep: undefined,
      singleTimestampEnding: true,
    });
  });

  it('makes one open segment for text without timestamps, or ending on <|0.00|>', () => {
    for (const tokens of [hello, [ts(0), ...hello]]) {
      expect(splitWindowTokens(tokens, TB)).toEqual({
        segments: [{ startStep: 0, endStep: undefined, tokens }],
        advanceStep: undefined,
        singleTimestampEnding: false,
      });
    }
    expect(splitWindowTokens([], TB).segments).toEqual([{ startStep: 0, endStep: undefined, tokens: [] }]);
  });

  it('starts a first segment forced without a timestamp at the window start', () => {
    const split = splitWindowTokens([...hello, ts(1), ts(1), ...world, ts(2)], TB);
    expect(split.segments.map((s) => [s.startStep, s.endStep])).toEqual([
      [0, 50],
      [50, 100],
    ]);
  });
});
