import { describe, expect, test } from 'vitest';
import { collapseWhitespace, parseDecimalDigits, splitWords } from './python-text.js';

describe('Python text semantics', () => {
  test("splitWords is str.split(): Python's whitespace, no empty words", () => {
    expect(splitWords('  a\tb\u0085c\u001cd\u3000e  ')).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(splitWords('a\ufeffb')).toEqual(['a\ufeffb']);
    expect(splitWords('   ')).toEqual([]);
  });

  test('collapseWhitespace keeps one space per run, at the ends too', () => {
    expect(collapseWhitespace(' a \n\n b\u001f')).toBe(' a b ');
  });

  test('parseDecimalDigits reads decimal digits of any script', () => {
    expect(parseDecimalDigits('0123456789')).toBe(123456789n);
    expect(parseDecimalDigits('١٢٣')).toBe(123n);
    expect(parseDecimalDigits('४५६')).toBe(456n);
    expect(parseDecimalDigits('𝟗𝟘')).toBe(90n);
  });
});
