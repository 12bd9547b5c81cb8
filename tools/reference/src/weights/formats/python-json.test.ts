import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HF_TOKENIZER_ASSETS } from '../layouts/hf-tokenizer.js';
import { defaultAssetsDir } from '../layouts/write-layout.js';
import { dumpPythonJson, float, JsonFloat, parsePythonJson, pythonFloatRepr } from './python-json.js';

const TOKENIZER_DIR = join(defaultAssetsDir(), HF_TOKENIZER_ASSETS);

describe('pythonFloatRepr', () => {
  it.each([
    [0, '0.0'],
    [-0, '-0.0'],
    [0.02, '0.02'],
    [0.05, '0.05'],
    [1, '1.0'],
    [-0.5, '-0.5'],
    [123.5, '123.5'],
    [1e-4, '0.0001'],
    [1e-5, '1e-05'],
    [1.5e-7, '1.5e-07'],
    [1e15, '1000000000000000.0'],
    [1e16, '1e+16'],
    [1.25e22, '1.25e+22'],
  ])('%d as Python writes it: %s', (value, expected) => {
    expect(pythonFloatRepr(value)).toBe(expected);
  });
});

describe('dumpPythonJson', () => {
  it('writes json.dumps forms: separators, indent, empty containers, sort_keys by code point', () => {
    const value = { b: [1, float(0)], a: {}, c: [], é: null, Z: true };
    expect(dumpPythonJson(value)).toBe('{"b": [1, 0.0], "a": {}, "c": [], "\\u00e9": null, "Z": true}');
    expect(dumpPythonJson(value, { compact: true, sortKeys: true })).toBe(
      '{"Z":true,"a":{},"b":[1,0.0],"c":[],"\\u00e9":null}',
    );
    expect(dumpPythonJson({ a: [1, { b: 2 }] }, { indent: 2 })).toBe(
      '{\n  "a": [\n    1,\n    {\n      "b": 2\n    }\n  ]\n}',
    );
  });

  it('escapes like ensure_ascii=True and ensure_ascii=False', () => {
    const text = 'a"\\\n\t\u0001\u007fé😀';
    expect(dumpPythonJson(text)).toBe('"a\\"\\\\\\n\\t\\u0001\\u007f\\u00e9\\ud83d\\ude00"');
    expect(dumpPythonJson(text, { ensureAscii: false })).toBe('"a\\"\\\\\\n\\t\\u0001\u007fé😀"');
  });

  it('keeps Map order (integer-like keys included) and refuses non-integer plain numbers', () => {
    expect(
      dumpPythonJson(
        new Map([
          ['10', 1],
          ['2', 2],
        ]),
      ),
    ).toBe('{"10": 1, "2": 2}');
    expect(() => dumpPythonJson(0.5)).toThrow(TypeError);
  });
});

describe('parsePythonJson', () => {
  it('keeps key order and the int/float distinction', () => {
    const parsed = parsePythonJson('{"9": 1, "10": 2.0, "x": [1e3, -0, "\\u00e9\\ud83d\\ude00"]}') as Map<
      string,
      unknown
    >;
    expect([...parsed.keys()]).toEqual(['9', '10', 'x']);
    expect(parsed.get('10')).toEqual(new JsonFloat(2));
    expect(parsed.get('x')).toEqual([new JsonFloat(1000), -0, 'é😀']);
    expect(() => parsePythonJson('{"a": 1,}')).toThrow(SyntaxError);
  });

  it.each([
    ['tokenizer.json', { indent: 2, ensureAscii: false }, ''],
    ['tokenizer_config.json', { indent: 2, sortKeys: true, ensureAscii: false }, '\n'],
    ['vocab.json', { indent: 2, sortKeys: true, ensureAscii: false }, '\n'],
    ['config.json', { indent: 2, sortKeys: true }, '\n'],
  ] as const)('round-trips the shared %s byte for byte', (name, options, ending) => {
    const original = readFileSync(join(TOKENIZER_DIR, name), 'utf8');
    expect(dumpPythonJson(parsePythonJson(original), options) + ending).toBe(original);
  });
});
