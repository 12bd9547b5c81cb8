/**
 * Python `re` semantics for `str` patterns that Whisper's normalisers rely on and JavaScript spells differently:
 * `\s` is Python's whitespace (str.isspace()), `\w` is Unicode letters, numbers and `_`, so `\b` is a Unicode word
 * boundary (JavaScript's `\b` knows ASCII only), and `\d` is any decimal digit (Unicode category Nd).
 */

/** Python's `\s` as the body of a character class. */
export const PY_SPACE =
  '\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
/** Python's `\w` as the body of a character class. */
export const PY_WORD = '\\p{L}\\p{N}_';
/** `\b` before a word character. */
export const WORD_START = `(?<![${PY_WORD}])`;
/** `\b` after a word character. */
export const WORD_END = `(?![${PY_WORD}])`;

const SPACE_RUN = new RegExp(`[${PY_SPACE}]+`, 'gu');

/** Python's `str.split()`: the words between runs of whitespace, none empty. */
export function splitWords(text: string): string[] {
  return text.split(SPACE_RUN).filter((word) => word.length > 0);
}

/** Python's `re.sub(r"\s+", " ", text)`. */
export function collapseWhitespace(text: string): string {
  return text.replace(SPACE_RUN, ' ');
}

const DECIMAL_DIGIT = /^\p{Nd}$/u;

/**
 * Python's `int()` on a run of decimal digits of any script (`"١٢٣"` → 123n). Nd digits come in runs of ten from 0
 * to 9, so a digit's value is its distance from the start of its block of digits, modulo 10.
 */
export function parseDecimalDigits(digits: string): bigint {
  let value = 0n;
  for (const char of digits) {
    let code = char.codePointAt(0)!;
    let distance = 0;
    while (DECIMAL_DIGIT.test(String.fromCodePoint(code - 1))) {
      code -= 1;
      distance += 1;
    }
    value = value * 10n + BigInt(distance % 10);
  }
  return value;
}
