import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import {
  formatTimestamp,
  parseTimestamp,
  SRT_TIMESTAMP_STYLE,
  secondsToMilliseconds,
  VTT_TIMESTAMP_STYLE,
} from './timestamp.js';

describe('secondsToMilliseconds', () => {
  it('rounds half to even, as round(seconds * 1000) does in Python', () => {
    expect(secondsToMilliseconds(0.0005)).toBe(0);
    expect(secondsToMilliseconds(0.0015)).toBe(2);
    expect(secondsToMilliseconds(0.0025)).toBe(2);
    expect(secondsToMilliseconds(3599.9996)).toBe(3_600_000);
    expect(secondsToMilliseconds(3599.9994)).toBe(3_599_999);
  });

  it('rejects non-finite times, naming the value', () => {
    expect(() => secondsToMilliseconds(Number.NaN)).toThrow(InvalidArgumentError);
    expect(() => secondsToMilliseconds(Infinity)).toThrow(/Infinity/);
  });
});

describe('formatTimestamp', () => {
  it('always writes hours and a comma in SRT style', () => {
    expect(formatTimestamp(0, SRT_TIMESTAMP_STYLE)).toBe('00:00:00,000');
    expect(formatTimestamp(0.0005, SRT_TIMESTAMP_STYLE)).toBe('00:00:00,000');
    expect(formatTimestamp(0.0015, SRT_TIMESTAMP_STYLE)).toBe('00:00:00,002');
    expect(formatTimestamp(61.25, SRT_TIMESTAMP_STYLE)).toBe('00:01:01,250');
    expect(formatTimestamp(3599.9996, SRT_TIMESTAMP_STYLE)).toBe('01:00:00,000');
    expect(formatTimestamp(359_999.9999, SRT_TIMESTAMP_STYLE)).toBe('100:00:00,000');
  });

  it('writes hours only from one hour on, and a dot, in VTT style', () => {
    expect(formatTimestamp(0, VTT_TIMESTAMP_STYLE)).toBe('00:00.000');
    expect(formatTimestamp(3599.9994, VTT_TIMESTAMP_STYLE)).toBe('59:59.999');
    expect(formatTimestamp(3599.9996, VTT_TIMESTAMP_STYLE)).toBe('01:00:00.000');
    expect(formatTimestamp(3725.52, VTT_TIMESTAMP_STYLE)).toBe('01:02:05.520');
  });

  it('rejects a negative or non-finite time, naming it, as Whisper asserts seconds >= 0', () => {
    expect(() => formatTimestamp(-0.001, SRT_TIMESTAMP_STYLE)).toThrow(/-0\.001/);
    expect(() => formatTimestamp(Number.NaN, VTT_TIMESTAMP_STYLE)).toThrow(InvalidArgumentError);
  });
});

describe('parseTimestamp', () => {
  it('reads both styles back to seconds', () => {
    expect(parseTimestamp('01:02:05,520')).toBe(3725.52);
    expect(parseTimestamp('01:02:05.520')).toBe(3725.52);
    expect(parseTimestamp('02:05.520')).toBe(125.52);
    expect(parseTimestamp('100:00:00,000')).toBe(360_000);
  });

  it('returns undefined for anything else', () => {
    for (const text of ['', '1:2:3,4', '00:60:00,000', '00:00:00', 'xx:00.000']) {
      expect(parseTimestamp(text), text).toBeUndefined();
    }
  });
});
