/**
 * The on-disk cache of Hub models, one folder per repository:
 *
 *   <cacheDir>/models/huggingface/<org>--<name>/
 *     refs/<revision>            the commit a branch or tag pointed at when last fetched (text)
 *     snapshots/<commit>/<file>  finished, verified files: the folder the engine loads
 *     manifests/<commit>.json    written last: every file of the snapshot with size and digest, and the optional
 *                                files the repository lacks; its presence means the snapshot is complete
 *     downloads/<etag>.incomplete, .lock   downloads in progress, resumable, one writer at a time
 *
 * A file only ever reaches snapshots/ by an atomic rename after its check, so a warm cache is usable offline
 * (refs → commit → manifest → snapshot) and a half-written file never sits under a final name.
 */

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ExpectedDigest } from './file-digest.js';

/** One file of a complete snapshot. */
export interface ManifestFile {
  readonly name: string;
  readonly size: number;
  /** The Hub's ETag, when it sent one. */
  readonly etag: string | undefined;
  /** What the file was checked against when it was downloaded; absent when the ETag allowed no check. */
  readonly digest: ExpectedDigest | undefined;
}

export interface SnapshotManifest {
  readonly version: 1;
  readonly repo: string;
  readonly commit: string;
  readonly files: readonly ManifestFile[];
  /** Optional files (tokenizer extras) the repository does not have. */
  readonly absent: readonly string[];
}

const MANIFEST_VERSION = 1;

export class HubRepoCache {
  readonly root: string;

  constructor(
    cacheDir: string,
    readonly repo: string,
  ) {
    this.root = join(cacheDir, 'models', 'huggingface', repo.replace('/', '--'));
  }

  /** The folder of a snapshot: what the engine loads. */
  snapshotDir(commit: string): string {
    return join(this.root, 'snapshots', safeName(commit));
  }

  get downloadsDir(): string {
    return join(this.root, 'downloads');
  }

  /** The commit `revision` pointed at when it was last fetched. */
  async readRef(revision: string): Promise<string | undefined> {
    const text = await readFile(this.refPath(revision), 'utf8').catch(() => undefined);
    return text === undefined || text.trim() === '' ? undefined : text.trim();
  }

  async writeRef(revision: string, commit: string): Promise<void> {
    await writeFileAtomic(this.refPath(revision), commit);
  }

  /** The manifest of a complete snapshot, or undefined when the snapshot is absent, partial or unreadable. */
  async readManifest(commit: string): Promise<SnapshotManifest | undefined> {
    try {
      const manifest = JSON.parse(await readFile(this.manifestPath(commit), 'utf8')) as SnapshotManifest;
      return manifest.version === MANIFEST_VERSION && manifest.repo === this.repo ? manifest : undefined;
    } catch {
      return undefined;
    }
  }

  async writeManifest(manifest: Omit<SnapshotManifest, 'version'>): Promise<void> {
    const text = `${JSON.stringify({ version: MANIFEST_VERSION, ...manifest }, null, 2)}\n`;
    await writeFileAtomic(this.manifestPath(manifest.commit), text);
  }

  /** Forgets a snapshot's completeness (its files stay, to be checked and reused). */
  async dropManifest(commit: string): Promise<void> {
    await rm(this.manifestPath(commit), { force: true });
  }

  private refPath(revision: string): string {
    return join(this.root, 'refs', safeName(revision));
  }

  private manifestPath(commit: string): string {
    return join(this.root, 'manifests', `${safeName(commit)}.json`);
  }
}

/** Revisions such as `refs/pr/1` become one file name (`refs%2Fpr%2F1`). */
function safeName(revision: string): string {
  return encodeURIComponent(revision);
}

/** Writes a small file under a unique temporary name, then renames it into place. */
async function writeFileAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, text);
    await rename(temporary, path);
  } catch (cause) {
    await rm(temporary, { force: true });
    throw cause;
  }
}
