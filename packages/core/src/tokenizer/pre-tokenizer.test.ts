import { describe, expect, test } from 'vitest';
import { preTokenize } from './pre-tokenizer.js';

// Expected pieces are Python `regex`'s findall with GPT-2's pattern.
describe('preTokenize', () => {
  test.each([
    ['Hello world', ['Hello', ' world']],
    ['  two  spaces ', [' ', ' two', ' ', ' spaces', ' ']],
    ["I'm  here\n\nok", ['I', "'m", ' ', ' here', '\n', '\n', 'ok']],
    ["DON'T it's", ['DON', "'", 'T', ' it', "'s"]],
    ['3.14 ½x', ['3', '.', '14', ' ½', 'x']],
    ['a\u0085b', ['a', '\u0085', 'b']],
    ['x\ufeffy', ['x', '\ufeff', 'y']],
    ['a\u001cb', ['a', '\u001c', 'b']],
    ['a\u00a0b', ['a', '\u00a0', 'b']],
    ['\n\n', ['\n\n']],
    ['', []],
  ])('%j', (text, pieces) => {
    expect(preTokenize(text)).toEqual(pieces);
  });

  test('the pieces always join back to the text', () => {
    const text = " It's 3:45\t\tp.m. — 日本語 😀\u200d e\u0301 \ud800 ";
    expect(preTokenize(text).join('')).toBe(text);
  });
});
