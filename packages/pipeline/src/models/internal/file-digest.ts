/**
 * What the Hub's ETags promise about a file's content, and checking a file on disk against it.
 *
 * The Hub's `X-Linked-Etag` (files stored in Git LFS: weights, large tokenizers) is the SHA-256 of the content. The
 * `ETag` of a file stored in git itself (config.json and friends) is its git blob id: SHA-1 of
 * `"blob <size>\0" + content`. Both are checked in full. An ETag in any other form (a mirror or proxy's own) cannot
 * be checked, and the file is then checked by size only.
 */

import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

export type DigestAlgorithm = 'sha256' | 'git-sha1';

export interface ExpectedDigest {
  readonly algorithm: DigestAlgorithm;
  /** Lower-case hex. */
  readonly hex: string;
}

/** `W/"abc"` → `abc`: the ETag's opaque value, without the weak marker and quotes. */
export function normalizeEtag(raw: string | string[] | undefined): string | undefined {
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return undefined;
  const stripped = value
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
  return stripped === '' ? undefined : stripped;
}

/**
 * The digest an ETag promises: 64 hex digits are a SHA-256 (LFS), 40 hex digits of a non-LFS file a git blob id.
 * @param linked whether the ETag came from `X-Linked-Etag` (an LFS file).
 */
export function expectedDigestOfEtag(etag: string | undefined, linked: boolean): ExpectedDigest | undefined {
  if (etag === undefined) return undefined;
  const hex = etag.toLowerCase();
  if (/^[0-9a-f]{64}$/.test(hex)) return { algorithm: 'sha256', hex };
  if (!linked && /^[0-9a-f]{40}$/.test(hex)) return { algorithm: 'git-sha1', hex };
  return undefined;
}

/** The file's digest, read from disk. */
export async function fileDigestHex(path: string, algorithm: DigestAlgorithm): Promise<string> {
  let hash: Hash;
  if (algorithm === 'sha256') {
    hash = createHash('sha256');
  } else {
    hash = createHash('sha1');
    hash.update(`blob ${(await stat(path)).size}\0`);
  }
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** What a file should be: its size and digest, each when known. */
export interface ExpectedFile {
  readonly size: number | undefined;
  readonly digest: ExpectedDigest | undefined;
}

/**
 * Why the file at `path` is not the expected one (missing, wrong size, wrong digest), or undefined when it is.
 * @param checkDigest whether to read the whole file for its digest (sizes are always compared).
 */
export async function fileProblem(
  path: string,
  expected: ExpectedFile,
  checkDigest: boolean,
): Promise<string | undefined> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    return 'missing';
  }
  if (expected.size !== undefined && size !== expected.size)
    return `${size} bytes, ${expected.size} expected`;
  if (!checkDigest || expected.digest === undefined) return undefined;
  const actual = await fileDigestHex(path, expected.digest.algorithm);
  return actual === expected.digest.hex
    ? undefined
    : `${expected.digest.algorithm} ${actual}, ${expected.digest.hex} expected`;
}
