import { describe, expect, test } from 'vitest';
import { BasicTextNormalizer, removeSymbols, removeSymbolsAndDiacritics } from './basic.js';

describe('BasicTextNormalizer', () => {
  const basic = new BasicTextNormalizer();

  test.each([
    ['Hello, World!', 'hello world '],
    ['[MUSIC] Hello (applause) world <laughs> again', ' hello world again'],
    ["I won't go.", 'i won t go '],
    ['naïve café', 'naïve café'],
    ['Œuvre straße', 'œuvre straße'],
    ['it costs $3.50', 'it costs 3 50'],
    ['multiple    spaces\tand\nnewlines', 'multiple spaces and newlines'],
    ['ﬁve ２ apples', 'five 2 apples'],
    ['Привет, мир!', 'привет мир '],
    ['', ''],
  ])('%j → %j', (text, normalized) => {
    expect(basic.normalize(text)).toBe(normalized);
  });

  test('removeDiacritics folds accents and letters NFKD leaves alone', () => {
    const folding = new BasicTextNormalizer({ removeDiacritics: true });
    expect(folding.normalize('Naïve Café, Œuvre straße Łódź Þór ðø')).toBe(
      'naive cafe oeuvre strasse lodz thor do',
    );
  });

  test('splitLetters spaces out graphemes, keeping combined characters whole', () => {
    const letters = new BasicTextNormalizer({ splitLetters: true });
    expect(letters.normalize('日本語です')).toBe('日 本 語 で す');
    expect(letters.normalize('ab cd')).toBe('a b c d');
    // NFKC composes e + U+0301 into é first
    expect(letters.normalize('e\u0301x')).toBe('\u00e9 x');
  });
});

describe('symbol removal', () => {
  test('removeSymbols turns marks, symbols and punctuation into spaces after NFKC', () => {
    // … is three periods and ½ is 1⁄2 (a fraction slash, a math symbol) after NFKC
    expect(removeSymbols('a+b=c… ½ e\u0301')).toBe('a b c    1 2 \u00e9');
  });

  test('removeSymbolsAndDiacritics keeps the characters asked for', () => {
    expect(removeSymbolsAndDiacritics('$3.50 – 10% (é)', '.%$')).toBe('$3.50   10%  e ');
  });
});
