/**
 * Grouping decoded tokens into words, for word timestamps (openai/whisper tokenizer.py `split_to_word_tokens`):
 * languages written without spaces split wherever the text so far decodes to whole characters; the others split
 * before a space, and keep punctuation and special tokens as words of their own.
 */
import { stripWhitespace } from '../writers/python-compat.js';

export interface WordTokens {
  /** The word's text as decoded, including its leading space. */
  readonly word: string;
  readonly tokens: readonly number[];
}

/** Languages Whisper splits into words by character rather than by space. */
export const LANGUAGES_SPLIT_BY_CHARACTER: ReadonlySet<string> = new Set([
  'zh',
  'ja',
  'th',
  'lo',
  'my',
  'yue',
]);

/** Python's `string.punctuation`. A word whose stripped text occurs in it (even as a run like `."`) stands alone. */
const PYTHON_PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
const REPLACEMENT_CHARACTER = '\ufffd';

/**
 * Splits where the decoded text is complete: a group ends once its decoded text has no U+FFFD, or its U+FFFD is also
 * in the decoding of the whole sequence (an invalid byte that no later token completes).
 */
export function splitTokensOnUnicode(
  tokens: readonly number[],
  decode: (ids: readonly number[]) => string,
): WordTokens[] {
  const full = decode(tokens);
  const words: WordTokens[] = [];
  let current: number[] = [];
  let offset = 0;
  for (const token of tokens) {
    current.push(token);
    const decoded = decode(current);
    const replacement = decoded.indexOf(REPLACEMENT_CHARACTER);
    if (replacement < 0 || full[offset + replacement] === REPLACEMENT_CHARACTER) {
      words.push({ word: decoded, tokens: current });
      current = [];
      offset += decoded.length;
    }
  }
  return words;
}

/** Merges the character groups into words that start with a space; ids ≥ `endOfText` and punctuation stand alone. */
export function splitTokensOnSpaces(
  tokens: readonly number[],
  decode: (ids: readonly number[]) => string,
  endOfText: number,
): WordTokens[] {
  const words: { word: string; tokens: number[] }[] = [];
  for (const sub of splitTokensOnUnicode(tokens, decode)) {
    const special = sub.tokens[0]! >= endOfText;
    const withSpace = sub.word.startsWith(' ');
    const punctuation = PYTHON_PUNCTUATION.includes(stripWhitespace(sub.word));
    const last = words.at(-1);
    if (special || withSpace || punctuation || last === undefined) {
      words.push({ word: sub.word, tokens: [...sub.tokens] });
    } else {
      last.word += sub.word;
      last.tokens.push(...sub.tokens);
    }
  }
  return words;
}
