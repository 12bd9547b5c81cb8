/**
 * Brings one Hub repository's Whisper files into the cache, or finds them there: online it asks the Hub which commit
 * the revision is at and fetches what that snapshot lacks; offline (or when the Hub cannot be reached) it answers
 * from the last complete snapshot of the revision.
 */

import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelResolutionError } from '../model-errors.js';
import type { HubSettings } from '../model-options.js';
import { SHARDED_WEIGHTS_INDEX, SINGLE_WEIGHTS_FILE, shardFilesOfIndex } from '../safetensors-index.js';
import { fileProblem } from './file-digest.js';
import { HubRepoCache, type ManifestFile, type SnapshotManifest } from './hub-cache.js';
import { HubClient, type HubFileMetadata, isUnreachable } from './hub-client.js';

/** Files every Whisper repository has and a transcription needs (besides the weights). */
export const HUB_REQUIRED_FILES = [
  'config.json',
  'generation_config.json',
  'preprocessor_config.json',
  'tokenizer.json',
] as const;
/** Tokenizer files fetched when the repository has them. */
export const HUB_OPTIONAL_FILES = [
  'tokenizer_config.json',
  'vocab.json',
  'merges.txt',
  'special_tokens_map.json',
  'added_tokens.json',
  'normalizer.json',
] as const;

/** A complete snapshot of a repository in the cache. */
export interface HubSnapshot {
  readonly repo: string;
  readonly revision: string;
  readonly commit: string;
  /** The snapshot folder: what the engine loads. */
  readonly path: string;
  /** Its files, in the order they were fetched. */
  readonly files: readonly string[];
  /** True when nothing was downloaded. */
  readonly fromCache: boolean;
}

/**
 * @param model the name the caller used, for messages.
 * @throws ModelResolutionError E_MODEL_NOT_CACHED when offline or the Hub is unreachable and the cache has no
 *   complete snapshot of the revision; the Hub client's errors otherwise.
 */
export async function fetchHubSnapshot(
  repo: string,
  model: string,
  settings: HubSettings,
): Promise<HubSnapshot> {
  const cache = new HubRepoCache(settings.cacheDir, repo);
  if (settings.offline) {
    return cachedSnapshot(cache, model, settings, 'offline mode is on (options.offline or HF_HUB_OFFLINE)');
  }
  const client = new HubClient(settings, cache, model);
  let config: HubFileMetadata;
  try {
    config = await client.requiredFileMetadata(settings.revision, 'config.json');
  } catch (cause) {
    if (!isUnreachable(cause)) throw cause;
    const reason = (cause as ModelResolutionError).cause as Error;
    return cachedSnapshot(
      cache,
      model,
      settings,
      `the Hub cannot be reached at ${settings.endpoint} (${reason.message})`,
    );
  }
  // Everything else is asked for at the commit config.json came from, so a push meanwhile cannot mix versions.
  const commit = config.commit ?? settings.revision;
  const manifest = await cache.readManifest(commit);
  if (manifest !== undefined) {
    const problems = await snapshotProblems(cache, manifest, settings);
    if (problems.length === 0) {
      await cache.writeRef(settings.revision, commit);
      return completeSnapshot(cache, manifest, settings, true);
    }
    // Damaged: forget that the snapshot was complete and fetch again what fails (intact files are kept).
    await cache.dropManifest(commit);
    for (const problem of problems) await rm(join(cache.snapshotDir(commit), problem.file), { force: true });
  }
  const downloaded = await downloadSnapshot(client, cache, config, commit);
  await cache.writeManifest(downloaded);
  await cache.writeRef(settings.revision, commit);
  return completeSnapshot(cache, { version: 1, ...downloaded }, settings, false);
}

async function downloadSnapshot(
  client: HubClient,
  cache: HubRepoCache,
  config: HubFileMetadata,
  commit: string,
): Promise<Omit<SnapshotManifest, 'version'>> {
  const folder = cache.snapshotDir(commit);
  const files: ManifestFile[] = [await client.fetchFile(config, join(folder, config.file))];
  const fetchRequired = async (file: string) => {
    const metadata = await client.requiredFileMetadata(commit, file);
    files.push(await client.fetchFile(metadata, join(folder, file)));
  };
  for (const file of HUB_REQUIRED_FILES) {
    if (file !== config.file) await fetchRequired(file); // config.json's metadata came first, to learn the commit
  }
  // One model.safetensors, or (large checkpoints) an index and the shards it names.
  const single = await client.fileMetadata(commit, SINGLE_WEIGHTS_FILE);
  if (single !== undefined) {
    files.push(await client.fetchFile(single, join(folder, SINGLE_WEIGHTS_FILE)));
  } else {
    await fetchRequired(SHARDED_WEIGHTS_INDEX);
    const indexPath = join(folder, SHARDED_WEIGHTS_INDEX);
    const indexSource = `${SHARDED_WEIGHTS_INDEX} of ${client.repo}`;
    for (const shard of shardFilesOfIndex(await readFile(indexPath, 'utf8'), indexSource, client.model)) {
      await fetchRequired(shard);
    }
  }
  const absent: string[] = [];
  for (const file of HUB_OPTIONAL_FILES) {
    const metadata = await client.fileMetadata(commit, file);
    if (metadata === undefined) absent.push(file);
    else files.push(await client.fetchFile(metadata, join(folder, file)));
  }
  return { repo: client.repo, commit, files, absent };
}

/** The last complete snapshot of the revision, checked; else E_MODEL_NOT_CACHED saying why the Hub was not asked. */
async function cachedSnapshot(
  cache: HubRepoCache,
  model: string,
  settings: HubSettings,
  whyNoHub: string,
): Promise<HubSnapshot> {
  const notCached = (what: string) =>
    new ModelResolutionError(
      'E_MODEL_NOT_CACHED',
      `[resolveModel] model "${model}" (${cache.repo}, revision ${settings.revision}) is not in the cache and ` +
        `${whyNoHub}: ${what}; run once with network access to download it`,
      { model, path: cache.root },
    );
  const commit = isCommitHash(settings.revision) ? settings.revision : await cache.readRef(settings.revision);
  if (commit === undefined) throw notCached(`nothing cached for this revision under ${cache.root}`);
  const manifest = await cache.readManifest(commit);
  if (manifest === undefined) throw notCached(`the download of commit ${commit} did not finish`);
  const problems = await snapshotProblems(cache, manifest, settings);
  if (problems.length > 0) {
    const list = problems.map((problem) => `${problem.file} (${problem.what})`).join(', ');
    throw notCached(`cached files are damaged: ${list}, in ${cache.snapshotDir(commit)}`);
  }
  return completeSnapshot(cache, manifest, settings, true);
}

function completeSnapshot(
  cache: HubRepoCache,
  manifest: SnapshotManifest,
  settings: HubSettings,
  fromCache: boolean,
): HubSnapshot {
  if (fromCache) {
    for (const file of manifest.files) {
      settings.onProgress?.({
        repo: cache.repo,
        file: file.name,
        bytesDone: file.size,
        bytesTotal: file.size,
        cached: true,
      });
    }
  }
  return {
    repo: cache.repo,
    revision: settings.revision,
    commit: manifest.commit,
    path: cache.snapshotDir(manifest.commit),
    files: manifest.files.map((file) => file.name),
    fromCache,
  };
}

interface SnapshotProblem {
  readonly file: string;
  readonly what: string;
}

/** Files of a manifest that are missing or of the wrong size (or, with verifyCache, digest). */
async function snapshotProblems(
  cache: HubRepoCache,
  manifest: SnapshotManifest,
  settings: HubSettings,
): Promise<SnapshotProblem[]> {
  const folder = cache.snapshotDir(manifest.commit);
  const problems: SnapshotProblem[] = [];
  for (const file of manifest.files) {
    const what = await fileProblem(join(folder, file.name), file, settings.verifyCache);
    if (what !== undefined) problems.push({ file: file.name, what });
  }
  return problems;
}

function isCommitHash(revision: string): boolean {
  return /^[0-9a-f]{40}$/.test(revision);
}
