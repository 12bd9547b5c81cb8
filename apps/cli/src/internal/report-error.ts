import { isVerbatimError } from '@verbatim/core';

/**
 * Formats an error for the terminal: the message alone for errors the project raised on purpose (their messages
 * name the operation, the problem and the value), a plain "internal error" line otherwise; the stack only when
 * the user asked for --verbose.
 */
export function formatError(error: unknown, verbose: boolean): string {
  const known = isVerbatimError(error);
  const message = error instanceof Error ? error.message : String(error);
  const lines = [
    known ? `verbatim: error ${error.code}: ${message}` : `verbatim: internal error: ${message}`,
  ];
  if (verbose && error instanceof Error && error.stack) lines.push(error.stack);
  else if (!known) lines.push('verbatim: run again with --verbose for the stack trace, and please report it');
  return lines.join('\n');
}
