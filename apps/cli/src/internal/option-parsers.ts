/**
 * Parsers of option values for commander. A bad value throws commander's InvalidArgumentError, which commander
 * reports as `error: option '--x <n>' argument 'y' is invalid. …` and the CLI exits with the usage code.
 */
import { InvalidArgumentError as UsageError } from 'commander';

export function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || value.trim() === '')
    throw new UsageError('Expected a positive integer.');
  return number;
}

export function finiteNumber(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || value.trim() === '') throw new UsageError('Expected a number.');
  return number;
}

export function nonNegativeNumber(value: string): number {
  const number = finiteNumber(value);
  if (number < 0) throw new UsageError('Expected a number ≥ 0.');
  return number;
}

/** Whisper's `--suppress_tokens`: comma-separated token ids, -1 standing for the non-speech set. */
export function tokenIds(value: string): number[] {
  const ids = value.split(',').map((part) => Number(part.trim()));
  if (value.trim() === '' || !ids.every((id) => Number.isInteger(id) && id >= -1)) {
    throw new UsageError('Expected comma-separated token ids (-1: the non-speech set).');
  }
  return ids;
}
