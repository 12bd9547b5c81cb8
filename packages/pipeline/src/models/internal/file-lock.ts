/**
 * An advisory lock between processes (and between calls in one process) sharing a cache: a file created with
 * O_EXCL that holds its owner's pid and host. Its owner touches it while it works; a lock whose owner has died (same
 * host, pid gone) or that nobody has touched for LOCK_STALE_MS is taken over, so a killed download never blocks
 * the cache for good.
 */

import { open, readFile, stat, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

/** A lock untouched for this long is abandoned: its owner touches it every LOCK_HEARTBEAT_MS. */
export const LOCK_STALE_MS = 60_000;
const LOCK_HEARTBEAT_MS = 10_000;
/** How often a waiting process looks at the lock again. */
const LOCK_POLL_MS = 100;

interface LockOwner {
  readonly pid: number;
  readonly host: string;
}

/**
 * Runs `work` while holding the lock at `lockPath`, waiting for another holder to finish first.
 * @throws the abort reason when `signal` aborts while waiting; whatever `work` throws (the lock is released).
 */
export async function withFileLock<T>(
  lockPath: string,
  signal: AbortSignal | undefined,
  work: () => Promise<T>,
): Promise<T> {
  await acquire(lockPath, signal);
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(lockPath, now, now).catch(() => {});
  }, LOCK_HEARTBEAT_MS);
  heartbeat.unref();
  try {
    return await work();
  } finally {
    clearInterval(heartbeat);
    await unlink(lockPath).catch(() => {});
  }
}

async function acquire(lockPath: string, signal: AbortSignal | undefined): Promise<void> {
  const owner: LockOwner = { pid: process.pid, host: hostname() };
  for (;;) {
    signal?.throwIfAborted();
    try {
      const handle = await open(lockPath, 'wx');
      try {
        await handle.writeFile(JSON.stringify(owner));
      } finally {
        await handle.close();
      }
      return;
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'EEXIST') throw cause;
    }
    const seen = await lockState(lockPath);
    if (seen !== undefined && isAbandoned(seen)) {
      // Take over only the lock judged abandoned: if it changed meanwhile (a new owner), look again.
      const now = await lockState(lockPath);
      if (now !== undefined && now.text === seen.text && now.mtimeMs === seen.mtimeMs) {
        await unlink(lockPath).catch(() => {});
      }
      continue;
    }
    await sleep(LOCK_POLL_MS, undefined, { signal });
  }
}

interface LockState {
  readonly text: string;
  readonly mtimeMs: number;
}

async function lockState(lockPath: string): Promise<LockState | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(lockPath, 'utf8'), stat(lockPath)]);
    return { text, mtimeMs: info.mtimeMs };
  } catch {
    return undefined; // released between our attempt and this look
  }
}

function isAbandoned(state: LockState): boolean {
  if (Date.now() - state.mtimeMs > LOCK_STALE_MS) return true;
  const owner = parseOwner(state.text);
  return owner !== undefined && owner.host === hostname() && !isProcessAlive(owner.pid);
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    return typeof value.pid === 'number' && typeof value.host === 'string'
      ? { pid: value.pid, host: value.host }
      : undefined;
  } catch {
    return undefined; // being written right now
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (cause) {
    return (cause as NodeJS.ErrnoException).code === 'EPERM';
  }
}
