/** Errors from the native addon (Error objects with a string `code`) as @verbatim/core's error classes. */
import { errorFromCode, isVerbatimError, type VerbatimErrorOptions } from '@verbatim/core';

/** The @verbatim/core error for anything the addon threw or rejected with; other values pass through. */
export function fromNativeError(error: unknown, options: VerbatimErrorOptions = {}): unknown {
  if (isVerbatimError(error) || !(error instanceof Error)) return error;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return error;
  return errorFromCode(code, error.message, { ...options, cause: error });
}

/** Awaits a native call and rethrows its failure as a @verbatim/core error. */
export async function nativeCall<T>(call: () => Promise<T> | T, options?: VerbatimErrorOptions): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw fromNativeError(error, options);
  }
}
