import { describe, expect, test } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { wordErrorRate } from './word-error-rate.js';

describe('wordErrorRate', () => {
  test('identical texts: 0', () => {
    expect(wordErrorRate('the cat sat', 'the cat sat')).toEqual({
      wer: 0,
      substitutions: 0,
      deletions: 0,
      insertions: 0,
      words: 3,
    });
  });

  test('one of each kind of error', () => {
    expect(wordErrorRate('the cat sat on the mat', 'the bat sat the mat today')).toEqual({
      wer: 3 / 6,
      substitutions: 1,
      deletions: 1,
      insertions: 1,
      words: 6,
    });
  });

  test('an empty hypothesis deletes every word; extra words can push WER past 1', () => {
    expect(wordErrorRate('a b c', '')).toMatchObject({ wer: 1, deletions: 3 });
    expect(wordErrorRate('a', 'x y z')).toMatchObject({ wer: 3, substitutions: 1, insertions: 2 });
  });

  test('sums errors and words over pairs (not an average of rates)', () => {
    const result = wordErrorRate(['a b c d', 'e'], ['a b c d', 'f']);
    expect(result).toEqual({ wer: 1 / 5, substitutions: 1, deletions: 0, insertions: 0, words: 5 });
  });

  test('an empty reference is allowed when others hold words', () => {
    expect(wordErrorRate(['', 'a b'], ['x', 'a b'])).toMatchObject({ wer: 0.5, insertions: 1, words: 2 });
  });

  test('splits at any whitespace and compares words exactly', () => {
    expect(wordErrorRate(' Hello\tworld\n', 'hello world')).toMatchObject({ substitutions: 1, words: 2 });
  });

  test('equal-cost alignments prefer substitutions', () => {
    expect(wordErrorRate('a b', 'b c')).toMatchObject({ substitutions: 2, deletions: 0, insertions: 0 });
  });

  test('rejects unpaired inputs and references without words', () => {
    expect(() => wordErrorRate(['a'], ['a', 'b'])).toThrow(InvalidArgumentError);
    expect(() => wordErrorRate(['a'], ['a', 'b'])).toThrow(/differ in count: 1 and 2/);
    expect(() => wordErrorRate(' ', 'a')).toThrow(/hold no words/);
  });
});
