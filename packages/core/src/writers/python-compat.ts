/**
 * The few Python semantics Whisper's writers rely on, so that this port produces the same bytes for the same input:
 * `round()` on floats, `str.strip()`, and `len()` on a `str`. Pure functions.
 */

// Python's str.isspace() set. JavaScript's `\s` and String.prototype.trim() differ: they lack U+001C–U+001F and U+0085
// and add U+FEFF.
// biome-ignore lint/suspicious/noControlCharactersInRegex: U+001C–U+001F are whitespace to Python's str.strip().
const LEADING_WHITESPACE = /^[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: as above.
const TRAILING_WHITESPACE = /[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/;

/**
 * Python's `round(x)` for a float: the nearest integer, ties to even (`round(0.5) == 0`, `round(2.5) == 2`), where
 * Math.round sends ties up. Returns a number; NaN and ±Infinity come back unchanged (callers reject them first).
 */
export function roundHalfEven(x: number): number {
  const rounded = Math.round(x);
  // Math.round breaks a tie upward, so a tie is exactly `rounded - x === 0.5`; the subtraction is exact there.
  return rounded - x === 0.5 && rounded % 2 !== 0 ? rounded - 1 : rounded;
}

/** Python's `text.strip()`: removes leading and trailing whitespace as Python defines it. */
export function stripWhitespace(text: string): string {
  return text.replace(LEADING_WHITESPACE, '').replace(TRAILING_WHITESPACE, '');
}

/** The whitespace `text` starts with, as Python's `\s*` at the start of a `str` pattern matches it. */
export function leadingWhitespace(text: string): string {
  return LEADING_WHITESPACE.exec(text)?.[0] ?? '';
}

/** Python's `len(text)`: Unicode code points, so an emoji counts 1 where `text.length` counts 2 UTF-16 units. */
export function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}
