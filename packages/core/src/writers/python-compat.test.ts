import { describe, expect, it } from 'vitest';
import { codePointLength, leadingWhitespace, roundHalfEven, stripWhitespace } from './python-compat.js';

describe('roundHalfEven', () => {
  it('sends ties to the even neighbour, as Python round() does', () => {
    expect([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5].map(roundHalfEven)).toEqual([0, 2, 2, 4, -0, -2, -2]);
  });

  it('rounds non-ties to the nearest integer', () => {
    expect([0.49999999999999994, 0.5000000000000001, 2.4, 2.6, -2.6, 1e20].map(roundHalfEven)).toEqual([
      0, 1, 2, 3, -3, 1e20,
    ]);
  });
});

describe('stripWhitespace', () => {
  it("strips what Python's str.strip() strips, not what String.prototype.trim() strips", () => {
    expect(stripWhitespace('\x1c\x85\u3000 text\t\n')).toBe('text');
    expect(stripWhitespace('\ufefftext\ufeff')).toBe('\ufefftext\ufeff');
    expect(stripWhitespace('  inner  space  ')).toBe('inner  space');
  });
});

describe('leadingWhitespace', () => {
  it('returns the whitespace a string starts with', () => {
    expect(leadingWhitespace(' \nword ')).toBe(' \n');
    expect(leadingWhitespace('word')).toBe('');
  });
});

describe('codePointLength', () => {
  it('counts code points as Python len() does', () => {
    expect(codePointLength(' café')).toBe(5);
    expect(codePointLength('😀😀')).toBe(2);
  });
});
