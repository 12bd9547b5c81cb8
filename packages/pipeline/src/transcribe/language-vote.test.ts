import { describe, expect, it } from 'vitest';
import { spreadIndices, voteLanguage } from './language-vote.js';

describe('voteLanguage', () => {
  it('picks the language with the largest mean probability, weighted by each window’s audio', () => {
    const rows = [
      [0.9, 0.1, 0],
      [0.2, 0.8, 0],
      [0.3, 0.6, 0.1],
    ];
    // Equal weights: language 1 wins (mean 0.5) over language 0 (0.4667).
    expect(voteLanguage(rows, [10, 10, 10])).toEqual({ index: 1, probability: expect.closeTo(0.5, 12) });
    // The first window holds most of the speech: language 0 wins.
    expect(voteLanguage(rows, [28, 1, 1])).toEqual({
      index: 0,
      probability: expect.closeTo((0.9 * 28 + 0.2 + 0.3) / 30, 12),
    });
    expect(voteLanguage(rows, [0, 0, 0]).index).toBe(1);
  });

  it('rejects rows and weights that disagree', () => {
    expect(() => voteLanguage([], [])).toThrow(RangeError);
    expect(() => voteLanguage([[1]], [1, 2])).toThrow('need one weight per row');
  });
});

describe('spreadIndices', () => {
  it('spreads picks over the whole range, first and last included', () => {
    expect(spreadIndices(10, 3)).toEqual([0, 5, 9]);
    expect(spreadIndices(2, 3)).toEqual([0, 1]);
    expect(spreadIndices(7, 1)).toEqual([0]);
    expect(spreadIndices(0, 3)).toEqual([]);
  });
});
