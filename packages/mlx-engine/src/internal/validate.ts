/**
 * Argument checks on the JavaScript thread: each throws InvalidArgumentError at once, as
 * "[operation] name must be …: got …", before any work is queued.
 */
import { InvalidArgumentError } from '@verbatim/core';

const MAX_ECHOED_CHARS = 60;

/** A short description of a value for error messages: numbers and strings as themselves, else their kind. */
export function describeValue(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (typeof value === 'string') {
    return JSON.stringify(value.length > MAX_ECHOED_CHARS ? `${value.slice(0, MAX_ECHOED_CHARS)}…` : value);
  }
  if (value === null || value === undefined) return String(value);
  if (ArrayBuffer.isView(value) && 'length' in value) {
    return `${value.constructor.name}(${(value as { length: number }).length})`;
  }
  if (Array.isArray(value)) return `an Array(${value.length})`;
  if (typeof value === 'function') return 'a function';
  return `an object (${value.constructor?.name ?? 'null prototype'})`;
}

function fail(operation: string, name: string, expected: string, value: unknown): never {
  throw new InvalidArgumentError(`[${operation}] ${name} must be ${expected}: got ${describeValue(value)}`);
}

export function requireString(operation: string, name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) fail(operation, name, 'a non-empty string', value);
}

/** An integer in [min, max]. */
export function requireInteger(
  operation: string,
  name: string,
  value: unknown,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): asserts value is number {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    fail(operation, name, `an integer ${range}`, value);
  }
}

export function requireBoolean(operation: string, name: string, value: unknown): asserts value is boolean {
  if (typeof value !== 'boolean') fail(operation, name, 'a boolean', value);
}

/** A Float32Array, of exactly `length` elements when given (`what` explains the length). */
export function requireFloat32Array(
  operation: string,
  name: string,
  value: unknown,
  length?: { readonly value: number; readonly what: string },
): asserts value is Float32Array {
  if (!(value instanceof Float32Array)) fail(operation, name, 'a Float32Array', value);
  if (length !== undefined && value.length !== length.value) {
    fail(operation, name, `a Float32Array of ${length.what} = ${length.value} floats`, value);
  }
}

export function requireInt32Array(
  operation: string,
  name: string,
  value: unknown,
): asserts value is Int32Array {
  if (!(value instanceof Int32Array)) fail(operation, name, 'an Int32Array', value);
}
