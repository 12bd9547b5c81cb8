// @ts-check
/** Rewrites generated files in the repository's format (biome), so that `pnpm lint` accepts them as written. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from './seeded-weights.mjs';

/**
 * Formats those of `files` that lie inside the repository (biome refuses others) with the workspace's biome; a
 * no-op where it is not installed. A formatter failure is reported on stderr, never thrown: the data is written.
 * @param {string[]} files
 */
export function biomeFormat(files) {
  const biome = join(REPO_ROOT, 'node_modules', '.bin', 'biome');
  const inside = files.filter((file) => !relative(REPO_ROOT, file).startsWith('..'));
  if (!existsSync(biome) || inside.length === 0) return;
  try {
    execFileSync(biome, ['format', '--write', ...inside], { stdio: 'ignore' });
  } catch (error) {
    process.stderr.write(`biome format ${inside.join(' ')} failed: ${String(error)}\n`);
  }
}
