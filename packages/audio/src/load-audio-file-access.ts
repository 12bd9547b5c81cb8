/**
 * Reading the input file for decodeAudioFile and probe, with the up-front checks that turn file-system failures into
 * FileErrors naming the path: missing (E_FILE_NOT_FOUND), a directory or unreadable (E_FILE_READ), empty
 * (E_FILE_EMPTY).
 */

import { open, readFile, stat } from 'node:fs/promises';
import { FileError } from '@verbatim/core';

export interface FileStart {
  /** The first bytes of the file (fewer when the file is shorter). */
  readonly head: Uint8Array;
  /** The file's full size. */
  readonly byteLength: number;
}

/**
 * Checks that `path` is a non-empty regular file and reads its first `byteCount` bytes.
 * @throws FileError E_FILE_NOT_FOUND, E_FILE_READ (a directory, not a regular file, or unreadable), E_FILE_EMPTY.
 */
export async function readFileStart(path: string, byteCount: number, operation: string): Promise<FileStart> {
  const stats = await stat(path).catch((error: unknown) => {
    throw fileAccessError(path, operation, error);
  });
  if (stats.isDirectory()) {
    throw new FileError('E_FILE_READ', `[${operation}] expected an audio file, got a directory: ${path}`, {
      path,
    });
  }
  if (!stats.isFile()) {
    throw new FileError('E_FILE_READ', `[${operation}] not a regular file: ${path}`, { path });
  }
  if (stats.size === 0) {
    throw new FileError('E_FILE_EMPTY', `[${operation}] file is empty (0 bytes): ${path}`, { path });
  }
  const head = new Uint8Array(Math.min(byteCount, stats.size));
  let bytesRead: number;
  try {
    const handle = await open(path, 'r');
    try {
      ({ bytesRead } = await handle.read(head, 0, head.byteLength, 0));
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw fileAccessError(path, operation, error);
  }
  return { head: head.subarray(0, bytesRead), byteLength: stats.size };
}

/** Reads a whole file. @throws FileError as readFileStart, for failures while reading. */
export async function readWholeFile(path: string, operation: string): Promise<Buffer> {
  return readFile(path).catch((error: unknown) => {
    throw fileAccessError(path, operation, error);
  });
}

function fileAccessError(path: string, operation: string, cause: unknown): FileError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new FileError('E_FILE_NOT_FOUND', `[${operation}] file not found: ${path}`, { path, cause });
  }
  const reason = code ?? (cause instanceof Error ? cause.message : String(cause));
  return new FileError('E_FILE_READ', `[${operation}] cannot read the file (${reason}): ${path}`, {
    path,
    cause,
  });
}
