import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FileError } from '@verbatim/core';

/**
 * Writes `data` to `path` so that readers see either the old file or the complete new one, never a half-written
 * file: the bytes go to a temporary sibling first, which is renamed over `path` only once fully written.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.partial`);
  try {
    await writeFile(temporary, data, { flag: 'wx' });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    const reason = error instanceof Error ? error.message : String(error);
    throw new FileError('E_FILE_WRITE', `[write] cannot write ${path}: ${reason}`, { path, cause: error });
  }
}
