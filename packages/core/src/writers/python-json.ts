/**
 * JSON text as Python's `json.dump(obj, file)` writes it with default arguments, which is how Whisper's WriteJSON
 * writes a result: `", "` and `": "` separators, no indentation, no trailing newline, every non-ASCII character as a
 * `\uXXXX` escape (ensure_ascii), and floats as Python's repr (`0.0`, `1e-05`, `NaN`). JavaScript numbers do not say
 * whether they are Python ints or floats, so callers pick pythonInt or pythonFloat per field. Pure functions that
 * return JSON fragments.
 */

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

// Python's ESCAPE_ASCII: the quote, the backslash, and everything outside printable ASCII (DEL included). Without the
// `u` flag the class matches UTF-16 code units, so a character beyond the BMP becomes its surrogate pair, as in Python.
const NEEDS_ESCAPE = /[\\"]|[^ -~]/g;

// Python's repr switches to exponent form below 1e-4 and from 1e16 on.
const MIN_FIXED_EXPONENT = -4;
const MAX_FIXED_EXPONENT = 15;

/** A string literal, escaped as Python's json module does with ensure_ascii. */
export function pythonString(text: string): string {
  const escaped = text.replace(
    NEEDS_ESCAPE,
    (char) => SHORT_ESCAPES[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `"${escaped}"`;
}

/** A Python int: its decimal digits. */
export function pythonInt(value: number): string {
  return String(value);
}

/**
 * A Python float as `repr()` writes it: the shortest digits that round-trip (as in JavaScript), always with a `.0`
 * or an exponent (`2.0`, `0.0001`, `1e-05`, `1.5e+16`, `-0.0`), and `NaN`, `Infinity`, `-Infinity` as Python's json
 * writes them (not valid strict JSON, as in Whisper's output).
 */
export function pythonFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  // toExponential() with no argument gives the shortest round-trip digits: `-1.2345e-7`.
  const [mantissa = '', exponentText = ''] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  const sign = value < 0 ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  if (exponent < MIN_FIXED_EXPONENT || exponent > MAX_FIXED_EXPONENT) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const exponentSign = exponent < 0 ? '-' : '+';
    return `${sign}${digits[0]}${fraction}e${exponentSign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const integerPart = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  const fractionPart = digits.slice(exponent + 1);
  return `${sign}${integerPart}.${fractionPart === '' ? '0' : fractionPart}`;
}

/** A list of JSON fragments. */
export function pythonList(items: readonly string[]): string {
  return `[${items.join(', ')}]`;
}

/** An object from [key, JSON fragment] pairs, in the order given. */
export function pythonObject(entries: ReadonlyArray<readonly [string, string]>): string {
  return `{${entries.map(([key, value]) => `${pythonString(key)}: ${value}`).join(', ')}}`;
}
