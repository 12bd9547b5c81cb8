import { wordErrorRate } from '@verbatim/core';
import { describe, expect, it } from 'vitest';
import { alignWords, bestLocalMatch } from './word-alignment.mjs';

const words = (text: string) => text.split(' ').filter(Boolean);

describe('alignWords', () => {
  it('returns every step in order, each word consumed once', () => {
    const steps = alignWords(words('a b c d'), words('a x c d e'));
    expect(steps).toEqual([
      { op: 'match', ref: 0, hyp: 0 },
      { op: 'sub', ref: 1, hyp: 1 },
      { op: 'match', ref: 2, hyp: 2 },
      { op: 'match', ref: 3, hyp: 3 },
      { op: 'ins', ref: -1, hyp: 4 },
    ]);
    expect(alignWords([], words('a b'))).toEqual([
      { op: 'ins', ref: -1, hyp: 0 },
      { op: 'ins', ref: -1, hyp: 1 },
    ]);
    expect(alignWords(words('a'), [])).toEqual([{ op: 'del', ref: 0, hyp: -1 }]);
  });

  it("leaves the earlier copy of a repeated stretch as the insertion (core's tie rule, traced from the end)", () => {
    const steps = alignWords(words('x a b c y'), words('x a b c a b c y'));
    expect(steps.filter((s) => s.op === 'ins').map((s) => s.hyp)).toEqual([1, 2, 3]);
  });

  it("counts the same substitutions, deletions and insertions as @verbatim/core's wordErrorRate", () => {
    // a fixed pseudo-random walk over a small vocabulary, so that ties between alignments are frequent
    let state = 12345;
    const next = () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state;
    };
    const vocabulary = ['a', 'b', 'c', 'd', 'e'];
    const list = (length: number) => Array.from({ length }, () => vocabulary[next() % vocabulary.length]!);
    for (let trial = 0; trial < 200; trial++) {
      const reference = list(1 + (next() % 12));
      const hypothesis = list(next() % 12);
      const steps = alignWords(reference, hypothesis);
      const count = (op: string) => steps.filter((s) => s.op === op).length;
      const expected = wordErrorRate(reference.join(' '), hypothesis.join(' '));
      expect([count('sub'), count('del'), count('ins')]).toEqual([
        expected.substitutions,
        expected.deletions,
        expected.insertions,
      ]);
    }
  });
});

describe('bestLocalMatch', () => {
  it('finds the stretch of the haystack that matches the needle best, within the given range', () => {
    const haystack = words('p q the lazy dog r s the lazy cat t');
    expect(bestLocalMatch(words('the lazy dog'), haystack, 0, haystack.length)).toEqual({
      matches: 3,
      start: 2,
      end: 5,
    });
    expect(bestLocalMatch(words('the lazy dog'), haystack, 5, haystack.length)).toEqual({
      matches: 2,
      start: 7,
      end: 9,
    });
    expect(bestLocalMatch(words('the lazy dog'), haystack, 0, 2)).toEqual({ matches: 0, start: 0, end: 0 });
  });

  it('bridges an inserted and a missing word', () => {
    const haystack = words('a b x c e');
    expect(bestLocalMatch(words('a b c d e'), haystack, 0, haystack.length)).toEqual({
      matches: 4,
      start: 0,
      end: 5,
    });
  });
});
