/**
 * Whisper's English number normaliser (openai/whisper normalizers/english.py `EnglishNumberNormalizer`): spelled-out
 * numbers become digits ("twenty one" → 21, "one hundred and five" → 105, "one oh one" → 101), suffixes stay
 * ("1960s", "twenty first" → 21st), currency words become prefixes ("twenty dollars" → $20, "$3 and 50 cents" →
 * $3.50) and "percent" a suffix. A lone "one" is written as a word again. Expects lower-case text.
 *
 * Values are bigints: "two decillion" has 34 digits. Text values (digit strings with zeros or a decimal point, such
 * as "007" or "3.") are kept as strings, exactly where the reference keeps them as `str`.
 */
import { stripWhitespace } from '../writers/python-compat.js';
import { PY_SPACE, parseDecimalDigits, splitWords, WORD_END, WORD_START } from './python-text.js';

type Value = bigint | string;

const ONES_NAMES = [
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
];
const TENS_NAMES = ['twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const MULTIPLIER_NAMES = [
  'hundred',
  'thousand',
  'million',
  'billion',
  'trillion',
  'quadrillion',
  'quintillion',
  'sextillion',
  'septillion',
  'octillion',
  'nonillion',
  'decillion',
];

const ZEROS = new Set(['o', 'oh', 'zero']);
const ONES = new Map(ONES_NAMES.map((name, i) => [name, BigInt(i + 1)]));
/** "ones", "twos", …, "sixes", "nineteens". */
const ONES_PLURAL = new Map(
  ONES_NAMES.map((name, i) => [name === 'six' ? 'sixes' : `${name}s`, [BigInt(i + 1), 's'] as const]),
);
const IRREGULAR_ORDINALS: [string, bigint, string][] = [
  ['zeroth', 0n, 'th'],
  ['first', 1n, 'st'],
  ['second', 2n, 'nd'],
  ['third', 3n, 'rd'],
  ['fifth', 5n, 'th'],
  ['twelfth', 12n, 'th'],
];
/** "first" → 1st, "eighth" → 8th; the rule makes "nineth", so "ninth" stays a word, as in Whisper. */
const ONES_ORDINAL = new Map<string, readonly [bigint, string]>([
  ...IRREGULAR_ORDINALS.map(([name, value, suffix]): [string, readonly [bigint, string]] => [
    name,
    [value, suffix],
  ]),
  ...ONES_NAMES.flatMap((name, i): [string, readonly [bigint, string]][] => {
    const value = i + 1;
    if (value <= 3 || value === 5 || value === 12) return [];
    return [[name + (name.endsWith('t') ? 'h' : 'th'), [BigInt(value), 'th']]];
  }),
]);
const ONES_SUFFIXED = new Map([...ONES_PLURAL, ...ONES_ORDINAL]);
const TENS = new Map(TENS_NAMES.map((name, i) => [name, BigInt(20 + 10 * i)]));
const TENS_SUFFIXED = new Map<string, readonly [bigint, string]>([
  ...TENS_NAMES.map((name, i): [string, readonly [bigint, string]] => [
    name.replace('y', 'ies'),
    [BigInt(20 + 10 * i), 's'],
  ]),
  ...TENS_NAMES.map((name, i): [string, readonly [bigint, string]] => [
    name.replace('y', 'ieth'),
    [BigInt(20 + 10 * i), 'th'],
  ]),
]);
const MULTIPLIERS = new Map(MULTIPLIER_NAMES.map((name, i) => [name, i === 0 ? 100n : 1000n ** BigInt(i)]));
const MULTIPLIERS_SUFFIXED = new Map<string, readonly [bigint, string]>([
  ...[...MULTIPLIERS].map(([name, value]): [string, readonly [bigint, string]] => [`${name}s`, [value, 's']]),
  ...[...MULTIPLIERS].map(([name, value]): [string, readonly [bigint, string]] => [
    `${name}th`,
    [value, 'th'],
  ]),
]);
/** Words that may follow "point": the digits' names. */
const DECIMALS = new Set([...ONES.keys(), ...TENS.keys(), ...ZEROS]);
const PRECEDING_PREFIXERS = new Map([
  ['minus', '-'],
  ['negative', '-'],
  ['plus', '+'],
  ['positive', '+'],
]);
const FOLLOWING_PREFIXERS = new Map([
  ['pound', '£'],
  ['pounds', '£'],
  ['euro', '€'],
  ['euros', '€'],
  ['dollar', '$'],
  ['dollars', '$'],
  ['cent', '¢'],
  ['cents', '¢'],
]);
const PREFIXES = new Set([...PRECEDING_PREFIXERS.values(), ...FOLLOWING_PREFIXERS.values()]);
const SPECIALS = new Set(['and', 'double', 'triple', 'point']);
/** Every word that can be part of a number. */
const NUMBER_WORDS = new Set([
  ...ZEROS,
  ...ONES.keys(),
  ...ONES_SUFFIXED.keys(),
  ...TENS.keys(),
  ...TENS_SUFFIXED.keys(),
  ...MULTIPLIERS.keys(),
  ...MULTIPLIERS_SUFFIXED.keys(),
  ...PRECEDING_PREFIXERS.keys(),
  ...FOLLOWING_PREFIXERS.keys(),
  'per',
  'percent',
  ...SPECIALS,
]);

const ARABIC_NUMBER = /^(\p{Nd}+)(?:\.(\p{Nd}+))?$/u;
const FRACTION_TEXT = /^([-+]?)(?=\p{Nd}|\.\p{Nd})(\p{Nd}*)(?:\.(\p{Nd}*))?$/u;

interface Fraction {
  numerator: bigint;
  denominator: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  let [x, y] = [a < 0n ? -a : a, b];
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

/** Python's `Fraction(text)` for decimal text ("3.", ".5", "007"), reduced; undefined where Python raises. */
function toFraction(value: Value): Fraction | undefined {
  if (typeof value === 'bigint') return { numerator: value, denominator: 1n };
  const match = FRACTION_TEXT.exec(value);
  if (match === null) return undefined;
  const [, sign, whole, decimals = ''] = match;
  const denominator = 10n ** BigInt([...decimals].length);
  let numerator = parseDecimalDigits(`${whole}${decimals}`);
  if (sign === '-') numerator = -numerator;
  const divisor = gcd(numerator, denominator);
  return { numerator: numerator / divisor, denominator: denominator / divisor };
}

/** Python truthiness of a value: undefined, 0 and "" are false. */
function orEmpty(value: Value | undefined): string {
  return value === undefined || value === 0n || value === '' ? '' : String(value);
}

/** The number words of `words` turned into digits; other words pass through. */
function* processWords(words: readonly string[]): Generator<string> {
  let prefix: string | undefined;
  let value: Value | undefined;
  let skip = false;

  const output = (result: Value): string => {
    const text = prefix === undefined ? String(result) : prefix + String(result);
    value = undefined;
    prefix = undefined;
    return text;
  };

  for (let i = 0; i < words.length; i++) {
    if (skip) {
      skip = false;
      continue;
    }
    const prev = words[i - 1];
    const current = words[i]!;
    const next = words[i + 1];
    const nextIsNumeric = next !== undefined && ARABIC_NUMBER.test(next);
    const nextIsNumberWord = next !== undefined && NUMBER_WORDS.has(next);
    const hasPrefix = PREFIXES.has(current[0]!);
    const currentWithoutPrefix = hasPrefix ? current.slice(1) : current;

    if (ARABIC_NUMBER.test(currentWithoutPrefix)) {
      // Arabic numbers, possibly with a currency or sign prefix and decimals.
      const fraction = toFraction(currentWithoutPrefix)!;
      if (value !== undefined) {
        if (typeof value === 'string' && value.endsWith('.')) {
          // decimals or the parts of an IP address
          value = value + current;
          continue;
        }
        yield output(value);
      }
      prefix = hasPrefix ? current[0] : prefix;
      value = fraction.denominator === 1n ? fraction.numerator : currentWithoutPrefix;
    } else if (!NUMBER_WORDS.has(current)) {
      if (value !== undefined) yield output(value);
      yield output(current);
    } else if (ZEROS.has(current)) {
      value = `${orEmpty(value)}0`;
    } else if (ONES.has(current)) {
      const ones = ONES.get(current)!;
      if (value === undefined) {
        value = ones;
      } else if (typeof value === 'string' || (prev !== undefined && ONES.has(prev))) {
        if (prev !== undefined && TENS.has(prev) && ones < 10n) {
          // "point twenty five": replace the tens' zero with the digit
          value = String(value).slice(0, -1) + String(ones);
        } else {
          value = String(value) + String(ones);
        }
      } else if (ones < 10n) {
        value = value % 10n === 0n ? value + ones : String(value) + String(ones);
      } else {
        value = value % 100n === 0n ? value + ones : String(value) + String(ones);
      }
    } else if (ONES_SUFFIXED.has(current)) {
      // ordinal or plural: the number ends here
      const [ones, suffix] = ONES_SUFFIXED.get(current)!;
      if (value === undefined) {
        yield output(String(ones) + suffix);
      } else if (typeof value === 'string' || (prev !== undefined && ONES.has(prev))) {
        if (prev !== undefined && TENS.has(prev) && ones < 10n) {
          yield output(String(value).slice(0, -1) + String(ones) + suffix);
        } else {
          yield output(String(value) + String(ones) + suffix);
        }
      } else if (ones < 10n) {
        yield output(
          value % 10n === 0n ? String(value + ones) + suffix : String(value) + String(ones) + suffix,
        );
      } else {
        yield output(
          value % 100n === 0n ? String(value + ones) + suffix : String(value) + String(ones) + suffix,
        );
      }
      value = undefined;
    } else if (TENS.has(current)) {
      const tens = TENS.get(current)!;
      if (value === undefined) value = tens;
      else if (typeof value === 'string') value = value + String(tens);
      else value = value % 100n === 0n ? value + tens : String(value) + String(tens);
    } else if (TENS_SUFFIXED.has(current)) {
      const [tens, suffix] = TENS_SUFFIXED.get(current)!;
      if (value === undefined) yield output(String(tens) + suffix);
      else if (typeof value === 'string') yield output(value + String(tens) + suffix);
      else
        yield output(
          value % 100n === 0n ? String(value + tens) + suffix : String(value) + String(tens) + suffix,
        );
    } else if (MULTIPLIERS.has(current)) {
      const multiplier = MULTIPLIERS.get(current)!;
      if (value === undefined) {
        value = multiplier;
      } else if (typeof value === 'string' || value === 0n) {
        const fraction = toFraction(value);
        if (fraction !== undefined && (fraction.numerator * multiplier) % fraction.denominator === 0n) {
          value = (fraction.numerator * multiplier) / fraction.denominator;
        } else {
          yield output(value);
          value = multiplier;
        }
      } else {
        // "two thousand five hundred": the multiplier applies to the part below a thousand only
        value = (value / 1000n) * 1000n + (value % 1000n) * multiplier;
      }
    } else if (MULTIPLIERS_SUFFIXED.has(current)) {
      const [multiplier, suffix] = MULTIPLIERS_SUFFIXED.get(current)!;
      if (value === undefined) {
        yield output(String(multiplier) + suffix);
      } else if (typeof value === 'string') {
        const fraction = toFraction(value);
        if (fraction !== undefined && (fraction.numerator * multiplier) % fraction.denominator === 0n) {
          yield output(String((fraction.numerator * multiplier) / fraction.denominator) + suffix);
        } else {
          yield output(value);
          yield output(String(multiplier) + suffix);
        }
      } else {
        yield output(String((value / 1000n) * 1000n + (value % 1000n) * multiplier) + suffix);
      }
      value = undefined;
    } else if (PRECEDING_PREFIXERS.has(current)) {
      // a sign applies only when a number follows
      if (value !== undefined) yield output(value);
      if (nextIsNumberWord || nextIsNumeric) prefix = PRECEDING_PREFIXERS.get(current);
      else yield output(current);
    } else if (FOLLOWING_PREFIXERS.has(current)) {
      // a currency applies only after a number
      if (value !== undefined) {
        prefix = FOLLOWING_PREFIXERS.get(current);
        yield output(value);
      } else {
        yield output(current);
      }
    } else if (current === 'per' || current === 'percent') {
      if (value === undefined) {
        yield output(current);
      } else if (current === 'percent') {
        yield output(`${String(value)}%`);
      } else if (next === 'cent') {
        yield output(`${String(value)}%`);
        skip = true;
      } else {
        yield output(value);
        yield output(current);
      }
    } else if (!nextIsNumberWord && !nextIsNumeric) {
      // "and", "double", "triple", "point" are part of a number only before one
      if (value !== undefined) yield output(value);
      yield output(current);
    } else if (current === 'and') {
      // "and" after hundred, thousand, … is dropped
      if (prev === undefined || !MULTIPLIERS.has(prev)) {
        if (value !== undefined) yield output(value);
        yield output(current);
      }
    } else if (current === 'double' || current === 'triple') {
      if (next !== undefined && (ONES.has(next) || ZEROS.has(next))) {
        const repeats = current === 'double' ? 2 : 3;
        value = orEmpty(value) + String(ONES.get(next) ?? 0n).repeat(repeats);
        skip = true;
      } else {
        if (value !== undefined) yield output(value);
        yield output(current);
      }
    } else if (next !== undefined && (DECIMALS.has(next) || nextIsNumeric)) {
      // "point" before a digit; before another number word it is dropped, as in Whisper
      value = `${orEmpty(value)}.`;
    }
  }
  if (value !== undefined) yield output(value);
}

const AND_A_HALF = new RegExp(`${WORD_START}and[${PY_SPACE}]+a[${PY_SPACE}]+half${WORD_END}`, 'u');
const LETTER_DIGIT = /([a-z])([0-9])/g;
const DIGIT_LETTER = /([0-9])([a-z])/g;
const DIGIT_SPACE_SUFFIX = new RegExp(`([0-9])[${PY_SPACE}]+(st|nd|rd|th|s)${WORD_END}`, 'gu');
const CENTS_AFTER_CURRENCY = new RegExp(`([€£$])([0-9]+) (?:and )?¢([0-9]{1,2})${WORD_END}`, 'gu');
// `.` is Python's any-but-newline: "$0.5" and also "$0x5"
const CURRENCY_ZERO_POINT = new RegExp(`[€£$]0[^\\n]([0-9]{1,2})${WORD_END}`, 'gu');
const LONE_ONE = new RegExp(`${WORD_START}1(s?)${WORD_END}`, 'gu');

/** "two and a half" → "two point five"; number and suffix spacing. */
function preprocess(text: string): string {
  const segments = text.split(AND_A_HALF);
  const results: string[] = [];
  for (const [i, segment] of segments.entries()) {
    if (stripWhitespace(segment).length === 0) continue;
    results.push(segment);
    if (i === segments.length - 1) continue;
    const lastWord = splitWords(segment).at(-1)!;
    results.push(DECIMALS.has(lastWord) || MULTIPLIERS.has(lastWord) ? 'point five' : 'and a half');
  }
  return results
    .join(' ')
    .replace(LETTER_DIGIT, '$1 $2')
    .replace(DIGIT_LETTER, '$1 $2')
    .replace(DIGIT_SPACE_SUFFIX, '$1$2');
}

/** "$2 and ¢7" → "$2.07", "$0.07" → "¢7", "1" → "one". */
function postprocess(text: string): string {
  return text
    .replace(
      CENTS_AFTER_CURRENCY,
      (_, currency: string, integer: string, cents: string) =>
        `${currency}${integer}.${cents.padStart(2, '0')}`,
    )
    .replace(CURRENCY_ZERO_POINT, (_, cents: string) => `¢${Number.parseInt(cents, 10)}`)
    .replace(LONE_ONE, 'one$1');
}

export class EnglishNumberNormalizer {
  /** Lower-case English text with its spelled-out numbers in digits. */
  normalize(text: string): string {
    return postprocess([...processWords(splitWords(preprocess(text)))].join(' '));
  }
}
