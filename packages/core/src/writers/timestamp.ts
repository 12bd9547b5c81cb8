/**
 * Cue timestamps as Whisper's `format_timestamp` writes them (`01:02:05,500`, `02:05.500`), and back. Pure functions.
 */

import { InvalidArgumentError } from '../errors.js';
import { roundHalfEven } from './python-compat.js';

const MS_PER_SECOND = 1000;
const MS_PER_MINUTE = 60 * MS_PER_SECOND; // 60 000
const MS_PER_HOUR = 60 * MS_PER_MINUTE; // 3 600 000

/** How a subtitle format spells a timestamp. */
export interface TimestampStyle {
  /** Write `00:` hours when the hours are zero (SRT); otherwise only from one hour on (VTT). */
  readonly alwaysIncludeHours: boolean;
  /** Between seconds and milliseconds: `,` for SRT, `.` for VTT. */
  readonly decimalMarker: ',' | '.';
}

export const SRT_TIMESTAMP_STYLE: TimestampStyle = Object.freeze({
  alwaysIncludeHours: true,
  decimalMarker: ',',
});
export const VTT_TIMESTAMP_STYLE: TimestampStyle = Object.freeze({
  alwaysIncludeHours: false,
  decimalMarker: '.',
});

// Whisper accepts any hour count; minutes and seconds are always two digits, milliseconds three.
const TIMESTAMP_PATTERN = /^(?:(\d+):)?([0-5]\d):([0-5]\d)[,.](\d{3})$/;

/**
 * Whole milliseconds in `seconds`, rounded as Whisper rounds them (`round(seconds * 1000)`, ties to even: 0.0005 s
 * is 0 ms, 0.0015 s is 2 ms). Throws InvalidArgumentError for NaN or ±Infinity, as Python's round() raises.
 */
export function secondsToMilliseconds(seconds: number): number {
  if (!Number.isFinite(seconds)) {
    throw new InvalidArgumentError(`[writers] time must be a finite number of seconds: ${seconds}`);
  }
  return roundHalfEven(seconds * MS_PER_SECOND);
}

/**
 * `seconds` as `HH:MM:SS,mmm` (SRT style) or `MM:SS.mmm` / `HH:MM:SS.mmm` (VTT style), rounded to the millisecond
 * first, so 3599.9996 s is `01:00:00,000`. Hours take as many digits as they need past two.
 * Throws InvalidArgumentError for a negative or non-finite time (Whisper asserts `seconds >= 0`).
 */
export function formatTimestamp(seconds: number, style: TimestampStyle): string {
  if (!(seconds >= 0)) {
    throw new InvalidArgumentError(`[writers] timestamp must be a finite number of seconds ≥ 0: ${seconds}`);
  }
  let ms = secondsToMilliseconds(seconds);
  const hours = Math.floor(ms / MS_PER_HOUR);
  ms -= hours * MS_PER_HOUR;
  const minutes = Math.floor(ms / MS_PER_MINUTE);
  ms -= minutes * MS_PER_MINUTE;
  const wholeSeconds = Math.floor(ms / MS_PER_SECOND);
  ms -= wholeSeconds * MS_PER_SECOND;
  const hoursPart = style.alwaysIncludeHours || hours > 0 ? `${twoDigits(hours)}:` : '';
  return `${hoursPart}${twoDigits(minutes)}:${twoDigits(wholeSeconds)}${style.decimalMarker}${String(ms).padStart(3, '0')}`;
}

/**
 * Seconds in a timestamp written either way (`HH:MM:SS,mmm`, `HH:MM:SS.mmm`, `MM:SS.mmm`), or undefined when `text`
 * is not one.
 */
export function parseTimestamp(text: string): number | undefined {
  const match = TIMESTAMP_PATTERN.exec(text);
  if (match === null) return undefined;
  const [, hours = '0', minutes = '0', wholeSeconds = '0', ms = '0'] = match;
  const totalMs =
    Number(hours) * MS_PER_HOUR +
    Number(minutes) * MS_PER_MINUTE +
    Number(wholeSeconds) * MS_PER_SECOND +
    Number(ms);
  return totalMs / MS_PER_SECOND;
}

function twoDigits(value: number): string {
  return String(value).padStart(2, '0');
}
