import { stat } from 'node:fs/promises';
import { FileError } from '@verbatim/core';
import { glob, isDynamicPattern } from 'tinyglobby';

/** One input as the user wrote it, expanded to the files it names, or the reason it names none. */
export type ExpandedInput =
  | { readonly path: string }
  | { readonly pattern: string; readonly error: FileError };

/**
 * The files the command-line inputs name, in order, each once: a path that exists is taken as it is (even when it
 * contains glob characters); otherwise a glob pattern (for shells that did not expand it, or quoted patterns) is
 * expanded, sorted. A pattern that matches no file is an error of its own, so the other inputs still run.
 */
export async function expandInputs(inputs: readonly string[]): Promise<ExpandedInput[]> {
  const expanded: ExpandedInput[] = [];
  const seen = new Set<string>();
  const add = (path: string) => {
    if (!seen.has(path)) expanded.push({ path });
    seen.add(path);
  };
  for (const input of inputs) {
    const exists = await stat(input).then(
      () => true,
      () => false,
    );
    if (exists || !isDynamicPattern(input)) {
      add(input);
      continue;
    }
    const matches = (await glob(input, { onlyFiles: true, expandDirectories: false })).sort();
    if (matches.length === 0) {
      const error = new FileError('E_FILE_NOT_FOUND', `[transcribe] no file matches the pattern: ${input}`, {
        path: input,
      });
      expanded.push({ pattern: input, error });
    }
    for (const match of matches) add(match);
  }
  return expanded;
}
