import { describe, expect, it } from 'vitest';
import { pythonFloat, pythonInt, pythonList, pythonObject, pythonString } from './python-json.js';

describe('pythonFloat', () => {
  it("writes floats as Python's repr()", () => {
    const cases: [number, string][] = [
      [0, '0.0'],
      [-0, '-0.0'],
      [1, '1.0'],
      [2.5, '2.5'],
      [-0.2134, '-0.2134'],
      [3725.52, '3725.52'],
      [0.0001, '0.0001'],
      [0.00001234, '1.234e-05'],
      [1e-7, '1e-07'],
      [123456789012345.6, '123456789012345.6'],
      [1e15, '1000000000000000.0'],
      [1e16, '1e+16'],
      [1.5e300, '1.5e+300'],
      [0.1 + 0.2, '0.30000000000000004'],
    ];
    for (const [value, expected] of cases) expect(pythonFloat(value), String(value)).toBe(expected);
  });

  it("writes non-finite floats as Python's json module does", () => {
    expect([Number.NaN, Infinity, -Infinity].map(pythonFloat)).toEqual(['NaN', 'Infinity', '-Infinity']);
  });
});

describe('pythonString', () => {
  it('escapes as json.dumps with ensure_ascii does', () => {
    expect(pythonString('a"b\\c\t\n\r\b\f\x01\x7f')).toBe('"a\\"b\\\\c\\t\\n\\r\\b\\f\\u0001\\u007f"');
    expect(pythonString('café 東京 😀')).toBe('"caf\\u00e9 \\u6771\\u4eac \\ud83d\\ude00"');
  });
});

describe('pythonList and pythonObject', () => {
  it("join with Python's default separators", () => {
    expect(
      pythonObject([
        ['a', pythonList([pythonInt(1), pythonInt(2)])],
        ['b', pythonList([])],
      ]),
    ).toBe('{"a": [1, 2], "b": []}');
    expect(pythonObject([])).toBe('{}');
  });
});
