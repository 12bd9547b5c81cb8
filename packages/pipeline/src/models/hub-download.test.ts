import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DownloadProgress, ResolveModelOptions } from './model-options.js';
import { type ResolvedModel, resolveModel } from './resolve-model.js';
import { FakeHub } from './test-support/fake-hub.js';
import { modelErrorOf } from './test-support/model-error-of.js';
import { useTempDirs, whisperRepoFiles } from './test-support/whisper-repo-files.js';

const TINY = 'openai/whisper-tiny';
const WEIGHTS = 'model.safetensors';

const tempDir = useTempDirs();
let hub: FakeHub;
/** The fake Hub's endpoint, kept for the tests that stop it. */
let endpoint: string;
let cacheDir: string;

beforeEach(async () => {
  // Nothing from the machine's environment may steer these tests (or send them to the real Hub).
  for (const name of ['HF_TOKEN', 'HF_ENDPOINT', 'HF_HUB_OFFLINE', 'VERBATIM_CACHE', 'XDG_CACHE_HOME']) {
    vi.stubEnv(name, undefined);
  }
  hub = await FakeHub.start();
  endpoint = hub.endpoint;
  cacheDir = await tempDir();
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await hub.stop();
});

function options(extra: ResolveModelOptions = {}): ResolveModelOptions {
  return { endpoint, cacheDir, ...extra };
}

/** A promise and the function that resolves it. */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((go) => (resolve = go));
  return { promise, resolve };
}

/**
 * Starts resolving `tiny` with the weights' body paused after `afterBytes`, and waits until those bytes are in.
 * @returns the pending resolution and the function that lets the rest of the body through.
 */
async function startPausedDownload(
  afterBytes: number,
  extra: ResolveModelOptions = {},
): Promise<{ pending: Promise<ResolvedModel>; release: () => void }> {
  const release = signal();
  hub.inject(WEIGHTS, { kind: 'pause', afterBytes, release: release.promise });
  const halfway = signal();
  const pending = resolveModel(
    'tiny',
    options({
      ...extra,
      onProgress: (p) => p.file === WEIGHTS && p.bytesDone >= afterBytes && halfway.resolve(),
    }),
  );
  await halfway.promise;
  return { pending, release: release.resolve };
}

async function expectSameFiles(folder: string, files: Record<string, Buffer | string>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    // Digests, not bytes: a deep equality over 300,000 elements is slow and its diff unreadable.
    expect(sha256(await readFile(join(folder, name))), name).toBe(sha256(Buffer.from(content)));
  }
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Every file under `dir`, relative. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

describe('first download', () => {
  it('fetches the Whisper files of an alias into a snapshot the engine can load', async () => {
    const files = whisperRepoFiles();
    hub.addRepo(TINY, files);
    const progress: DownloadProgress[] = [];
    const model = await resolveModel('tiny', options({ onProgress: (p) => progress.push(p) }));

    const commit = hub.commitOf(TINY);
    expect(model).toMatchObject({
      name: 'tiny',
      source: 'hub',
      layout: 'huggingface',
      architecture: 'tiny',
      hub: { repo: TINY, revision: 'main', commit, fromCache: false },
      options: { revision: 'main', cacheDir, offline: false, endpoint: hub.endpoint, authenticated: false },
    });
    expect(model.path).toBe(
      join(cacheDir, 'models', 'huggingface', 'openai--whisper-tiny', 'snapshots', commit),
    );
    await expectSameFiles(model.path, files);
    expect((await readdir(model.path)).sort()).toEqual(Object.keys(files).sort());

    // config.json is asked for at `main`; everything after at the commit it resolved to.
    const heads = hub.requests.filter((request) => request.server === 'hub' && request.method === 'HEAD');
    expect(heads[0]!.url).toBe(`/${TINY}/resolve/main/config.json`);
    expect(heads.slice(1).every((request) => request.url.includes(`/resolve/${commit}/`))).toBe(true);
    // The weights came from the CDN, the small files from the Hub itself.
    expect(hub.bodyRequests(WEIGHTS).map((request) => request.server)).toEqual(['cdn']);
    expect(hub.bodyRequests('config.json').map((request) => request.server)).toEqual(['hub']);

    // Progress: per file, growing to its total.
    const weights = progress.filter((p) => p.file === WEIGHTS);
    expect(weights.at(-1)).toEqual({
      repo: TINY,
      file: WEIGHTS,
      bytesDone: 300_000,
      bytesTotal: 300_000,
      cached: false,
    });
    expect(weights.every((p, i) => i === 0 || p.bytesDone >= weights[i - 1]!.bytesDone)).toBe(true);
    expect(new Set(progress.map((p) => p.file))).toEqual(new Set(Object.keys(files)));
    // No partial files or locks are left behind.
    const downloads = join(cacheDir, 'models', 'huggingface', 'openai--whisper-tiny', 'downloads');
    expect(await readdir(downloads)).toEqual([]);
  });

  it('follows a sharded checkpoint through its index', async () => {
    const files = whisperRepoFiles({ shards: 3 });
    hub.addRepo('openai/whisper-large-v2', files);
    const model = await resolveModel('large-v2', options());
    expect(model.layout).toBe('huggingface-sharded');
    expect(model.files).toEqual([
      'config.json',
      'model.safetensors.index.json',
      'model-00001-of-00003.safetensors',
      'model-00002-of-00003.safetensors',
      'model-00003-of-00003.safetensors',
    ]);
    await expectSameFiles(model.path, files);
  });

  it('resolves the shorthands to the newest checkpoints', async () => {
    hub.addRepo('openai/whisper-large-v3-turbo', whisperRepoFiles({ seed: 'turbo' }));
    const model = await resolveModel('turbo', options());
    expect(model.hub?.repo).toBe('openai/whisper-large-v3-turbo');
    expect(model.architecture).toBe('large-v3-turbo');
  });

  it('answers from the cache without downloading again while the revision has not moved', async () => {
    hub.addRepo(TINY, whisperRepoFiles());
    const first = await resolveModel('tiny', options());
    const before = hub.requests.length;
    const progress: DownloadProgress[] = [];
    const second = await resolveModel('tiny', options({ onProgress: (p) => progress.push(p) }));
    expect(second.path).toBe(first.path);
    expect(second.hub?.fromCache).toBe(true);
    // One HEAD to learn the commit, no bytes.
    expect(hub.requests.slice(before).map((request) => `${request.method} ${request.url}`)).toEqual([
      `HEAD /${TINY}/resolve/main/config.json`,
    ]);
    expect(progress.every((p) => p.cached && p.bytesDone === p.bytesTotal)).toBe(true);
  });

  it('downloads a new snapshot when the branch moves', async () => {
    hub.addRepo(TINY, whisperRepoFiles({ seed: 'v1' }));
    const first = await resolveModel('tiny', options());
    const newer = whisperRepoFiles({ seed: 'v2' });
    hub.addRepo(TINY, newer);
    const second = await resolveModel('tiny', options());
    expect(second.hub?.commit).not.toBe(first.hub?.commit);
    await expectSameFiles(second.path, newer);
    // Offline, the ref now names the newer snapshot.
    await hub.stop();
    expect((await resolveModel('tiny', options({ offline: true }))).path).toBe(second.path);
    hub = await FakeHub.start();
  });
});

describe('resuming', () => {
  it('resumes a dropped connection with a Range request and ends with the right bytes', async () => {
    const files = whisperRepoFiles();
    hub.addRepo(TINY, files);
    hub.inject(WEIGHTS, { kind: 'drop', afterBytes: 100_000 });
    const progress: DownloadProgress[] = [];
    const model = await resolveModel('tiny', options({ onProgress: (p) => progress.push(p) }));

    await expectSameFiles(model.path, files);
    // The retry asks for the rest from the first byte it lacks: what was written before the connection dropped
    // (bytes still in flight when it broke are lost, so at most the 100,000 sent).
    const ranges = hub.bodyRequests(WEIGHTS).map((request) => request.range);
    expect(ranges).toHaveLength(2);
    expect(ranges[0]).toBeUndefined();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(ranges[1] ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(100_000);
    // Progress goes up to that byte, then on from it (never back to zero).
    const done = progress.filter((p) => p.file === WEIGHTS).map((p) => p.bytesDone);
    const retryStart = done.indexOf(resumedAt, 1);
    expect(retryStart).toBeGreaterThan(0);
    expect(done.slice(retryStart).every((bytes) => bytes >= resumedAt)).toBe(true);
  });

  it('resumes in a later call what an earlier one left half-done', async () => {
    const files = whisperRepoFiles();
    hub.addRepo(TINY, files);
    hub.inject(WEIGHTS, { kind: 'drop', afterBytes: 123_456 });
    const failed = await modelErrorOf(resolveModel('tiny', options({ retries: 0 })));
    expect(failed.reason).toBe('E_DOWNLOAD');
    expect(failed.code).toBe('E_FILE_READ');
    expect(failed.message).toContain(`${WEIGHTS} of ${TINY} (model "tiny")`);
    // The query of the CDN URL (its signature) stays out of messages.
    expect(failed.message).not.toContain('sig=');
    const partial = (await listFiles(cacheDir)).filter((file) => file.endsWith('.incomplete'));
    expect(partial).toHaveLength(1);
    const kept = (await stat(join(cacheDir, partial[0]!))).size;
    expect(kept).toBeGreaterThan(0);

    const model = await resolveModel('tiny', options({ retries: 0 }));
    await expectSameFiles(model.path, files);
    expect(hub.bodyRequests(WEIGHTS).map((request) => request.range)).toEqual([undefined, `bytes=${kept}-`]);
  });

  it('never shows a half-written file under its final name', async () => {
    const files = whisperRepoFiles();
    hub.addRepo(TINY, files);
    const { pending, release } = await startPausedDownload(150_000);

    const snapshot = join(cacheDir, 'models', 'huggingface', 'openai--whisper-tiny', 'snapshots');
    const commitDir = join(snapshot, hub.commitOf(TINY));
    await expect(stat(join(commitDir, WEIGHTS))).rejects.toMatchObject({ code: 'ENOENT' });
    const everything = await listFiles(cacheDir);
    const partial = everything.filter((file) => file.endsWith('.incomplete'));
    expect(partial).toHaveLength(1);
    expect((await stat(join(cacheDir, partial[0]!))).size).toBe(150_000);
    // Offline, the unfinished snapshot does not count as cached.
    expect((await modelErrorOf(resolveModel('tiny', options({ offline: true })))).reason).toBe(
      'E_MODEL_NOT_CACHED',
    );

    release();
    const model = await pending;
    await expectSameFiles(model.path, files);
  });
});

describe('aborting', () => {
  it('stops at options.signal and keeps what arrived for the next attempt to resume', async () => {
    const files = whisperRepoFiles();
    hub.addRepo(TINY, files);
    const controller = new AbortController();
    const { pending, release } = await startPausedDownload(80_000, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    const partial = (await listFiles(cacheDir)).filter((file) => file.endsWith('.incomplete'));
    expect(partial).toHaveLength(1);
    expect((await stat(join(cacheDir, partial[0]!))).size).toBe(80_000);

    const model = await resolveModel('tiny', options());
    await expectSameFiles(model.path, files);
    expect(hub.bodyRequests(WEIGHTS).map((request) => request.range)).toEqual([undefined, 'bytes=80000-']);
    release();
  });
});

describe('integrity', () => {
  it.each([
    [WEIGHTS, 'an LFS file, against its sha256'],
    ['config.json', 'a git file, against its blob sha1'],
  ])('detects a corrupted download of %s (%s) and fetches it again from the start', async (file) => {
    const files = whisperRepoFiles();
    hub.addRepo(TINY, files);
    hub.inject(file, { kind: 'corrupt' });
    const model = await resolveModel('tiny', options());
    await expectSameFiles(model.path, files);
    expect(hub.bodyRequests(file).map((request) => request.range)).toEqual([undefined, undefined]);
  });

  it('gives up with E_INTEGRITY when the file is corrupt twice, leaving nothing under the final name', async () => {
    hub.addRepo(TINY, whisperRepoFiles());
    hub.inject(WEIGHTS, { kind: 'corrupt' });
    hub.inject(WEIGHTS, { kind: 'corrupt' });
    const error = await modelErrorOf(resolveModel('tiny', options()));
    expect(error.reason).toBe('E_INTEGRITY');
    expect(error.message).toMatch(
      /model\.safetensors of openai\/whisper-tiny .*sha256 [0-9a-f]{64}, [0-9a-f]{64}/,
    );
    const everything = await listFiles(cacheDir);
    expect(everything.filter((file) => file.endsWith(WEIGHTS) || file.endsWith('.incomplete'))).toEqual([]);
  });

  it('re-fetches a cached file whose size is wrong', async () => {
    const files = whisperRepoFiles();
    hub.addRepo(TINY, files);
    const first = await resolveModel('tiny', options());
    await writeFile(join(first.path, WEIGHTS), Buffer.from('truncated'));
    const second = await resolveModel('tiny', options());
    expect(second.hub?.fromCache).toBe(false);
    await expectSameFiles(second.path, files);
    expect(hub.bodyRequests(WEIGHTS)).toHaveLength(2);
    expect(hub.bodyRequests('config.json')).toHaveLength(1); // intact files are kept
  });

  it('re-hashes cached files with verifyCache, and re-fetches one whose bytes changed', async () => {
    const files = whisperRepoFiles();
    hub.addRepo(TINY, files);
    const first = await resolveModel('tiny', options());
    const damaged = Buffer.from(files[WEIGHTS] as Buffer);
    damaged[1000]! ^= 1;
    await writeFile(join(first.path, WEIGHTS), damaged);

    // Sizes alone cannot see it…
    expect((await resolveModel('tiny', options())).hub?.fromCache).toBe(true);
    // …hashes can.
    const checked = await resolveModel('tiny', options({ verifyCache: true }));
    expect(checked.hub?.fromCache).toBe(false);
    await expectSameFiles(checked.path, files);
    expect(hub.bodyRequests(WEIGHTS)).toHaveLength(2);
  });
});

describe('offline', () => {
  it('uses a warm cache with the Hub stopped, through options.offline and HF_HUB_OFFLINE=1', async () => {
    const files = whisperRepoFiles();
    hub.addRepo(TINY, files);
    const online = await resolveModel('tiny', options());
    await hub.stop();

    const offline = await resolveModel('tiny', options({ offline: true }));
    expect(offline).toMatchObject({ path: online.path, layout: 'huggingface', hub: { fromCache: true } });
    expect(offline.options.offline).toBe(true);
    vi.stubEnv('HF_HUB_OFFLINE', '1');
    const fromEnv = await resolveModel('tiny', options());
    expect(fromEnv.path).toBe(online.path);
    expect(fromEnv.options.offline).toBe(true);
    await expectSameFiles(fromEnv.path, files);
    hub = await FakeHub.start();
  });

  it('falls back to the cache when the Hub cannot be reached', async () => {
    hub.addRepo(TINY, whisperRepoFiles());
    const online = await resolveModel('tiny', options());
    await hub.stop();
    const model = await resolveModel('tiny', { cacheDir, endpoint });
    expect(model.path).toBe(online.path);
    expect(model.hub?.fromCache).toBe(true);
    hub = await FakeHub.start();
  });

  it('names the model when it is not cached and downloads are off', async () => {
    vi.stubEnv('HF_HUB_OFFLINE', 'true');
    const error = await modelErrorOf(resolveModel('base.en', options()));
    expect(error.reason).toBe('E_MODEL_NOT_CACHED');
    expect(error.code).toBe('E_FILE_NOT_FOUND');
    expect(error.model).toBe('base.en');
    expect(error.message).toContain(
      'model "base.en" (openai/whisper-base.en, revision main) is not in the cache',
    );
    expect(error.message).toContain('offline mode is on');
    expect(hub.requests).toEqual([]);
  });

  it('names the model when it is not cached and the Hub cannot be reached', async () => {
    await hub.stop();
    const error = await modelErrorOf(resolveModel('small', { cacheDir, endpoint }));
    expect(error.reason).toBe('E_MODEL_NOT_CACHED');
    expect(error.message).toContain(
      'model "small" (openai/whisper-small, revision main) is not in the cache',
    );
    expect(error.message).toContain(`the Hub cannot be reached at ${endpoint} (ECONNREFUSED`);
    hub = await FakeHub.start();
  });
});

describe('endpoint and token', () => {
  it('honours HF_ENDPOINT and sends HF_TOKEN to the Hub only, never to the CDN', async () => {
    const files = whisperRepoFiles();
    hub.addRepo(TINY, files, { token: 'hf_secret_123' });
    vi.stubEnv('HF_ENDPOINT', `${hub.endpoint}/`);
    vi.stubEnv('HF_TOKEN', 'hf_secret_123');
    const model = await resolveModel('tiny', { cacheDir });
    await expectSameFiles(model.path, files);
    expect(model.options).toMatchObject({ endpoint: hub.endpoint, authenticated: true });
    expect(JSON.stringify(model)).not.toContain('hf_secret_123');
    const toHub = hub.requests.filter((request) => request.server === 'hub');
    const toCdn = hub.requests.filter((request) => request.server === 'cdn');
    expect(toHub.length).toBeGreaterThan(0);
    expect(toHub.every((request) => request.authorization === 'Bearer hf_secret_123')).toBe(true);
    expect(toCdn.length).toBeGreaterThan(0);
    expect(toCdn.every((request) => request.authorization === undefined)).toBe(true);
  });

  it('says to set HF_TOKEN when a gated repository answers 401', async () => {
    hub.addRepo(TINY, whisperRepoFiles(), { token: 'hf_secret_123' });
    const error = await modelErrorOf(resolveModel('tiny', options()));
    expect(error.reason).toBe('E_HUB_UNAUTHORIZED');
    expect(error.message).toContain('HTTP 401 GatedRepo');
    expect(error.message).toContain('set HF_TOKEN');
  });

  it('never puts a token in its messages', async () => {
    hub.addRepo(TINY, whisperRepoFiles(), { token: 'hf_secret_123' });
    vi.stubEnv('HF_TOKEN', 'hf_wrong_456');
    const error = await modelErrorOf(resolveModel('tiny', options()));
    expect(error.reason).toBe('E_HUB_UNAUTHORIZED');
    expect(error.message).toContain('the token sent has no access');
    expect(`${error.message} ${String(error.cause)}`).not.toContain('hf_wrong_456');
    expect(hub.requests[0]!.authorization).toBe('Bearer hf_wrong_456');
  });

  it('reports a repository or revision the Hub does not have', async () => {
    hub.addRepo(TINY, whisperRepoFiles());
    const missingRepo = await modelErrorOf(resolveModel('base', options()));
    expect(missingRepo.reason).toBe('E_HUB_NOT_FOUND');
    expect(missingRepo.message).toContain('RepoNotFound');
    const missingRevision = await modelErrorOf(resolveModel('tiny', options({ revision: 'v9' })));
    expect(missingRevision.reason).toBe('E_HUB_NOT_FOUND');
    expect(missingRevision.message).toContain('RevisionNotFound');
  });

  it('reports a required file the repository lacks', async () => {
    const { 'tokenizer.json': _, ...files } = whisperRepoFiles();
    hub.addRepo(TINY, files);
    const error = await modelErrorOf(resolveModel('tiny', options()));
    expect(error.reason).toBe('E_HUB_NOT_FOUND');
    expect(error.message).toContain(`${TINY} has no tokenizer.json at revision ${hub.commitOf(TINY)}`);
  });
});

describe('concurrent downloads', () => {
  it('lets one of two simultaneous downloads of a file fetch it while the other waits for it', async () => {
    const files = whisperRepoFiles();
    hub.addRepo(TINY, files);
    const { pending: first, release } = await startPausedDownload(50_000);
    const second = resolveModel('tiny', options());
    // Let the second reach the lock before the first finishes.
    await new Promise((resolve) => setTimeout(resolve, 300));
    release();
    const [a, b] = await Promise.all([first, second]);
    expect(b.path).toBe(a.path);
    await expectSameFiles(a.path, files);
    expect(hub.bodyRequests(WEIGHTS)).toHaveLength(1);
  });

  it('waits while another live process holds the lock, and downloads once it lets go', async () => {
    const files = whisperRepoFiles();
    hub.addRepo(TINY, files);
    const downloads = join(cacheDir, 'models', 'huggingface', 'openai--whisper-tiny', 'downloads');
    await mkdir(downloads, { recursive: true });
    const lock = join(downloads, `${sha256(files[WEIGHTS] as Buffer)}.lock`);
    // Another process takes the lock as ours does (O_EXCL, its pid and host), holds it a while, then lets go.
    const holder = spawn(process.execPath, [
      '-e',
      `const fs = require('node:fs');
       fs.writeFileSync(process.argv[1], JSON.stringify({ pid: process.pid, host: require('node:os').hostname() }), { flag: 'wx' });
       console.log('locked');
       setTimeout(() => { fs.unlinkSync(process.argv[1]); console.log('released'); }, 800);`,
      lock,
    ]);
    const lines = createInterface({ input: holder.stdout });
    const said = (line: string) =>
      new Promise<void>((resolve) => lines.on('line', (l) => l === line && resolve()));
    const released = said('released');
    await said('locked');
    const pending = resolveModel('tiny', options());
    await released;
    const weightsFetchedWhileLocked = hub.bodyRequests(WEIGHTS).length;
    const model = await pending;
    expect(weightsFetchedWhileLocked).toBe(0);
    expect(hub.bodyRequests(WEIGHTS)).toHaveLength(1);
    await expectSameFiles(model.path, files);
  });

  it('takes over a lock left by a process that died', async () => {
    const files = whisperRepoFiles();
    hub.addRepo(TINY, files);
    const deadPid = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    }).stdout;
    const downloads = join(cacheDir, 'models', 'huggingface', 'openai--whisper-tiny', 'downloads');
    await mkdir(downloads, { recursive: true });
    await writeFile(
      join(downloads, `${sha256}.lock`),
      JSON.stringify({ pid: Number(deadPid), host: hostname() }),
    );
    const model = await resolveModel('tiny', options());
    await expectSameFiles(model.path, files);
  });
});
