/**
 * JSON exactly as Python's `json` module reads and writes it, so files written here are byte-identical to those
 * the Python tools (and transformers' `save_pretrained`) write.
 *
 * Two things plain `JSON.parse`/`JSON.stringify` lose are kept: object key order (a JS object moves integer-like
 * keys such as "123" to the front, which would reorder a BPE vocabulary), and the int/float distinction (Python
 * writes `0.0`, JS writes `0`). Objects are therefore `Map`s (or plain objects when written), floats `JsonFloat`s.
 */

import { pythonFloat } from '@verbatim/core';

/** Python's float repr (shortest round-trip digits; exponent form below 1e-4 and from 1e16 on), as core writes it. */
export { pythonFloat as pythonFloatRepr };

/** A number Python holds as a float: written in Python's `repr` form (`0.0`, `0.02`, `1e-05`). */
export class JsonFloat {
  constructor(readonly value: number) {}
}

export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonFloat
  | readonly JsonValue[]
  | ReadonlyMap<string, JsonValue>
  | { readonly [key: string]: JsonValue };

export interface PythonJsonOptions {
  /** Spaces per level (Python's `indent`); omitted: one line. */
  readonly indent?: number;
  /** Python's `sort_keys`: keys ordered by code point. */
  readonly sortKeys?: boolean;
  /** Python's `ensure_ascii` (its default, true): everything outside ' '..'~' written as \uXXXX. */
  readonly ensureAscii?: boolean;
  /** `separators=(",", ":")`: no spaces at all. Only meaningful without indent. */
  readonly compact?: boolean;
}

/** Shorthand for `new JsonFloat(value)`. */
export function float(value: number): JsonFloat {
  return new JsonFloat(value);
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** What each short escape of a JSON string stands for. */
const ESCAPED_CHARACTERS: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

function escapeString(text: string, ensureAscii: boolean): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const code = text.charCodeAt(i);
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) out += short;
    else if (code < 0x20 || (ensureAscii && code > 0x7e)) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

function entriesOf(value: ReadonlyMap<string, JsonValue> | { readonly [key: string]: JsonValue }) {
  return value instanceof Map ? [...value.entries()] : Object.entries(value);
}

/** `json.dumps(value, indent=…, sort_keys=…, ensure_ascii=…)` as Python writes it. */
export function dumpPythonJson(value: JsonValue, options: PythonJsonOptions = {}): string {
  const { indent, sortKeys = false, ensureAscii = true, compact = false } = options;
  const itemSeparator = indent !== undefined || compact ? ',' : ', ';
  const keySeparator = compact ? ':' : ': ';
  const write = (node: JsonValue, depth: number): string => {
    if (node === null) return 'null';
    if (node === true) return 'true';
    if (node === false) return 'false';
    if (typeof node === 'number') {
      if (!Number.isSafeInteger(node)) {
        throw new TypeError(`[dumpPythonJson] ${node} is not an integer; wrap floats in JsonFloat`);
      }
      return String(node);
    }
    if (typeof node === 'string') return escapeString(node, ensureAscii);
    if (node instanceof JsonFloat) return pythonFloat(node.value);
    const isArray = Array.isArray(node);
    const items: string[] = isArray
      ? (node as readonly JsonValue[]).map((item) => write(item, depth + 1))
      : (() => {
          const entries = entriesOf(node as ReadonlyMap<string, JsonValue>);
          if (sortKeys) entries.sort(([a], [b]) => compareCodePoints(a, b));
          return entries.map(
            ([key, item]) => `${escapeString(key, ensureAscii)}${keySeparator}${write(item, depth + 1)}`,
          );
        })();
    const [open, close] = isArray ? ['[', ']'] : ['{', '}'];
    if (items.length === 0) return `${open}${close}`;
    if (indent === undefined) return `${open}${items.join(itemSeparator)}${close}`;
    const inner = `\n${' '.repeat(indent * (depth + 1))}`;
    const outer = `\n${' '.repeat(indent * depth)}`;
    return `${open}${inner}${items.join(`${itemSeparator}${inner}`)}${outer}${close}`;
  };
  return write(value, 0);
}

/**
 * Parses JSON as Python's `json.loads` would: objects become `Map`s in file order, numbers with a fraction or an
 * exponent become `JsonFloat`s. Throws SyntaxError with the offset on malformed input.
 */
export function parsePythonJson(text: string): JsonValue {
  let at = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`[parsePythonJson] ${what} at offset ${at}`);
  };
  const skipSpace = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at]!)) at++;
  };
  const expect = (literal: string) => {
    if (!text.startsWith(literal, at)) fail(`expected ${literal}`);
    at += literal.length;
  };
  const parseString = (): string => {
    expect('"');
    let out = '';
    for (;;) {
      const end = text.slice(at).search(/["\\]/);
      if (end < 0) fail('unterminated string');
      out += text.slice(at, at + end);
      at += end;
      if (text[at] === '"') {
        at++;
        return out;
      }
      const escaped = text[at + 1];
      if (escaped === 'u') {
        out += String.fromCharCode(Number.parseInt(text.slice(at + 2, at + 6), 16));
        at += 6;
      } else {
        const decoded = ESCAPED_CHARACTERS[escaped ?? ''];
        if (decoded === undefined) fail('bad escape');
        out += decoded;
        at += 2;
      }
    }
  };
  const parseValue = (): JsonValue => {
    skipSpace();
    const ch = text[at];
    if (ch === '{') {
      at++;
      const map = new Map<string, JsonValue>();
      skipSpace();
      if (text[at] === '}') {
        at++;
        return map;
      }
      for (;;) {
        skipSpace();
        const key = parseString();
        skipSpace();
        expect(':');
        map.set(key, parseValue());
        skipSpace();
        if (text[at] === ',') at++;
        else {
          expect('}');
          return map;
        }
      }
    }
    if (ch === '[') {
      at++;
      const list: JsonValue[] = [];
      skipSpace();
      if (text[at] === ']') {
        at++;
        return list;
      }
      for (;;) {
        list.push(parseValue());
        skipSpace();
        if (text[at] === ',') at++;
        else {
          expect(']');
          return list;
        }
      }
    }
    if (ch === '"') return parseString();
    for (const [literal, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(literal, at)) {
        at += literal.length;
        return value;
      }
    }
    const match = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(at, at + 64));
    if (match === null) return fail('unexpected character');
    at += match[0].length;
    const number = Number(match[0]);
    return match[1] !== undefined || match[2] !== undefined ? new JsonFloat(number) : number;
  };
  const value = parseValue();
  skipSpace();
  if (at !== text.length) fail('trailing characters');
  return value;
}
