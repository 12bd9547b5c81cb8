/**
 * Whisper's language-independent text normaliser (openai/whisper normalizers/basic.py), used to compare
 * transcripts in any language: lower case, bracketed and parenthesised text removed, symbols and punctuation turned
 * into spaces, optionally diacritics dropped and letters spaced apart.
 */
import { collapseWhitespace } from './python-text.js';

/** Letters that NFKD does not decompose but that Whisper folds to plain Latin letters. */
const ADDITIONAL_DIACRITICS: Readonly<Record<string, string>> = {
  œ: 'oe',
  Œ: 'OE',
  ø: 'o',
  Ø: 'O',
  æ: 'ae',
  Æ: 'AE',
  ß: 'ss',
  ẞ: 'SS',
  đ: 'd',
  Đ: 'D',
  ð: 'd',
  Ð: 'D',
  þ: 'th',
  Þ: 'th',
  ł: 'l',
  Ł: 'L',
};

const NONSPACING_MARK = /^\p{Mn}$/u;
const MARK_SYMBOL_OR_PUNCTUATION = /^[\p{M}\p{S}\p{P}]$/u;

/** Text in `[…]` or `<…>` (a bracket of either kind may close it), as Whisper removes it. */
export const BRACKETED = /[<[][^>\]]*[>\]]/gu;
/** Text in `(…)`. */
export const PARENTHESISED = /\(([^)]+?)\)/gu;

/**
 * After NFKD: characters in `keep` stay, the letters above are folded, nonspacing marks (accents) are dropped, and
 * any other mark, symbol or punctuation becomes a space.
 */
export function removeSymbolsAndDiacritics(text: string, keep = ''): string {
  let out = '';
  for (const char of text.normalize('NFKD')) {
    if (keep.includes(char)) out += char;
    else if (Object.hasOwn(ADDITIONAL_DIACRITICS, char)) out += ADDITIONAL_DIACRITICS[char];
    else if (NONSPACING_MARK.test(char)) continue;
    else out += MARK_SYMBOL_OR_PUNCTUATION.test(char) ? ' ' : char;
  }
  return out;
}

/** After NFKC: every mark, symbol or punctuation becomes a space; accents on precomposed letters stay. */
export function removeSymbols(text: string): string {
  let out = '';
  for (const char of text.normalize('NFKC')) out += MARK_SYMBOL_OR_PUNCTUATION.test(char) ? ' ' : char;
  return out;
}

export interface BasicTextNormalizerOptions {
  /** Drop accents and fold letters such as ø and ß (NFKD), instead of keeping them (NFKC). Default: false. */
  removeDiacritics?: boolean;
  /** Put a space between every grapheme, for languages written without spaces. Default: false. */
  splitLetters?: boolean;
}

export class BasicTextNormalizer {
  readonly #clean: (text: string) => string;
  readonly #graphemes: Intl.Segmenter | undefined;

  constructor(options: BasicTextNormalizerOptions = {}) {
    this.#clean =
      options.removeDiacritics === true ? (text) => removeSymbolsAndDiacritics(text) : removeSymbols;
    this.#graphemes =
      options.splitLetters === true ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : undefined;
  }

  /** The normalised text. Whitespace runs become one space; leading and trailing spaces stay, as in Whisper. */
  normalize(text: string): string {
    let s = text.toLowerCase().replace(BRACKETED, '').replace(PARENTHESISED, '');
    s = this.#clean(s).toLowerCase();
    if (this.#graphemes !== undefined) {
      s = Array.from(this.#graphemes.segment(s), (segment) => segment.segment).join(' ');
    }
    return collapseWhitespace(s);
  }
}
