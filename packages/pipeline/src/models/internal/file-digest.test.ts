import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDirs } from '../test-support/whisper-repo-files.js';
import { expectedDigestOfEtag, fileDigestHex, fileProblem, normalizeEtag } from './file-digest.js';

const tempDir = useTempDirs();

describe('ETags', () => {
  it('strips the weak marker and quotes', () => {
    expect(normalizeEtag('W/"abc"')).toBe('abc');
    expect(normalizeEtag('"abc"')).toBe('abc');
    expect(normalizeEtag(['"x"', '"y"'])).toBe('x');
    expect(normalizeEtag('""')).toBeUndefined();
    expect(normalizeEtag(undefined)).toBeUndefined();
  });

  it('reads 64 hex digits as a sha256, 40 of a git file as a blob id, and nothing else', () => {
    const sha256 = 'A'.repeat(64);
    const sha1 = 'b'.repeat(40);
    expect(expectedDigestOfEtag(sha256, true)).toEqual({ algorithm: 'sha256', hex: 'a'.repeat(64) });
    expect(expectedDigestOfEtag(sha1, false)).toEqual({ algorithm: 'git-sha1', hex: sha1 });
    expect(expectedDigestOfEtag(sha1, true)).toBeUndefined();
    expect(expectedDigestOfEtag('5d41402abc4b2a76b9719d911017c592-3', false)).toBeUndefined();
    expect(expectedDigestOfEtag(undefined, false)).toBeUndefined();
  });
});

describe('file digests', () => {
  it('computes git blob ids as `git hash-object` does, and sha256', async () => {
    const path = join(await tempDir(), 'hello.txt');
    await writeFile(path, 'hello\n');
    // `printf 'hello\n' | git hash-object --stdin` and `printf 'hello\n' | sha256sum`
    expect(await fileDigestHex(path, 'git-sha1')).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
    expect(await fileDigestHex(path, 'sha256')).toBe(
      '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03',
    );
  });

  it('says why a file is not the expected one', async () => {
    const path = join(await tempDir(), 'hello.txt');
    await writeFile(path, 'hello\n');
    const digest = { algorithm: 'git-sha1', hex: 'ce013625030ba8dba906f756967f9e9ca394464a' } as const;
    expect(await fileProblem(path, { size: 6, digest }, true)).toBeUndefined();
    expect(await fileProblem(path, { size: 7, digest }, true)).toBe('6 bytes, 7 expected');
    const wrong = { algorithm: 'git-sha1', hex: '0'.repeat(40) } as const;
    expect(await fileProblem(path, { size: 6, digest: wrong }, false)).toBeUndefined();
    expect(await fileProblem(path, { size: 6, digest: wrong }, true)).toBe(
      `git-sha1 ce013625030ba8dba906f756967f9e9ca394464a, ${'0'.repeat(40)} expected`,
    );
    expect(await fileProblem(`${path}.none`, { size: undefined, digest: undefined }, true)).toBe('missing');
  });
});
