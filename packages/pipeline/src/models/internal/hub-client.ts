/**
 * The Hub's file API for one repository: `HEAD {endpoint}/{repo}/resolve/{revision}/{file}` for a file's metadata
 * (commit, ETag, size, and where its bytes are), then a resumable GET of those bytes into the cache.
 *
 * A download goes to `downloads/<etag>.incomplete` under a lock, resumes with `Range: bytes=N-` after a broken
 * connection (up to `retries` times, with backoff), is checked against the Hub's size and digest (file-digest.ts),
 * and only then renamed to its final name. A download that fails the check is fetched once more from the start
 * before E_INTEGRITY is reported.
 */

import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ModelResolutionError } from '../model-errors.js';
import type { HubSettings } from '../model-options.js';
import { type ExpectedDigest, expectedDigestOfEtag, fileProblem, normalizeEtag } from './file-digest.js';
import { withFileLock } from './file-lock.js';
import type { HubRepoCache, ManifestFile } from './hub-cache.js';
import { asNetworkError, hubRequest, NetworkError } from './hub-http.js';

/** What a HEAD on a resolve URL tells about one file. */
export interface HubFileMetadata {
  readonly file: string;
  /** `X-Repo-Commit`: the commit the revision resolved to (absent from some mirrors). */
  readonly commit: string | undefined;
  readonly etag: string | undefined;
  /** `X-Linked-Size` (LFS) or `Content-Length`. */
  readonly size: number | undefined;
  readonly digest: ExpectedDigest | undefined;
  /** Where the bytes are: the CDN for LFS files, else the resolve URL itself. */
  readonly downloadUrl: URL;
}

/** First retry after 250 ms, doubling up to 8 s. */
const RETRY_BASE_DELAY_MS = 250;
const RETRY_MAX_DELAY_MS = 8_000;

/** An HTTP status the Hub answered with instead of the file. */
class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly hubErrorCode: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'HttpStatusError';
  }

  /** Server trouble, rate limits and failed resumptions (206 elsewhere, 416) pass; refusals and absences do not. */
  get retryable(): boolean {
    return this.status >= 500 || [206, 408, 416, 429].includes(this.status);
  }
}

export class HubClient {
  readonly repo: string;
  private readonly tokenOrigin: string;

  constructor(
    private readonly settings: HubSettings,
    private readonly cache: HubRepoCache,
    /** The model as the caller named it, for messages. */
    readonly model: string,
  ) {
    this.repo = cache.repo;
    this.tokenOrigin = new URL(settings.endpoint).origin;
  }

  resolveUrl(revision: string, file: string): URL {
    return new URL(`${this.settings.endpoint}/${this.repo}/resolve/${encodeURIComponent(revision)}/${file}`);
  }

  /**
   * The file's metadata, or undefined when the repository has no such file (404 EntryNotFound).
   * @throws ModelResolutionError E_HUB_UNAUTHORIZED (401/403), E_HUB_NOT_FOUND (no such repository or
   *   revision), E_DOWNLOAD (network or server failure after every retry; an unreachable host is not retried, so
   *   the caller can fall back to the cache at once: see isUnreachable).
   */
  async fileMetadata(revision: string, file: string): Promise<HubFileMetadata | undefined> {
    const url = this.resolveUrl(revision, file);
    return this.withRetries(file, url, false, async () => {
      const answer = await hubRequest({
        method: 'HEAD',
        url,
        token: this.settings.token,
        tokenOrigin: this.tokenOrigin,
        followCrossOrigin: false,
        signal: this.settings.signal,
      });
      answer.response.resume();
      const headers = answer.chainHeaders;
      if (answer.redirectTo === undefined && answer.status !== 200) {
        const error = statusError(answer.status, headers, url);
        // A missing file says EntryNotFound; a mirror that says nothing is taken to mean the same.
        if (answer.status === 404 && (error.hubErrorCode ?? 'EntryNotFound') === 'EntryNotFound')
          return undefined;
        throw error;
      }
      const linkedEtag = normalizeEtag(headers['x-linked-etag']);
      const etag = linkedEtag ?? normalizeEtag(headers.etag);
      return {
        file,
        commit: headerText(headers['x-repo-commit']),
        etag,
        size: sizeHeader(headers['x-linked-size']) ?? sizeHeader(headers['content-length']),
        digest: expectedDigestOfEtag(etag, linkedEtag !== undefined),
        downloadUrl: answer.redirectTo ?? answer.url,
      };
    });
  }

  /**
   * Like fileMetadata, for a file the model cannot do without.
   * @throws ModelResolutionError E_HUB_NOT_FOUND naming the file when the repository lacks it.
   */
  async requiredFileMetadata(revision: string, file: string): Promise<HubFileMetadata> {
    const metadata = await this.fileMetadata(revision, file);
    if (metadata === undefined) {
      throw new ModelResolutionError(
        'E_HUB_NOT_FOUND',
        `[resolveModel] ${this.repo} has no ${file} at revision ${revision} (model "${this.model}"): ` +
          this.resolveUrl(revision, file).href,
        { model: this.model },
      );
    }
    return metadata;
  }

  /**
   * Puts the file at `destination`, downloading it unless a file of the announced size is already there (and, with
   * `verifyCache`, of the announced digest). Reports progress as bytes arrive.
   * @returns the file as the snapshot manifest records it.
   * @throws ModelResolutionError E_DOWNLOAD, E_INTEGRITY, E_HUB_UNAUTHORIZED, E_HUB_NOT_FOUND; the abort reason.
   */
  async fetchFile(metadata: HubFileMetadata, destination: string): Promise<ManifestFile> {
    const downloads = this.cache.downloadsDir;
    await mkdir(downloads, { recursive: true });
    await mkdir(dirname(destination), { recursive: true });
    const key = this.downloadKey(metadata);
    const partial = join(downloads, `${key}.incomplete`);
    return withFileLock(join(downloads, `${key}.lock`), this.settings.signal, async () => {
      // In place already: from an earlier, interrupted snapshot, or another process finished it while we waited.
      if ((await fileProblem(destination, metadata, this.settings.verifyCache)) === undefined) {
        const size = (await sizeOf(destination))!;
        this.report(metadata, size, true);
        return manifestFile(metadata, size);
      }
      for (let fetches = 1; ; fetches++) {
        await this.withRetries(metadata.file, metadata.downloadUrl, true, () =>
          this.fetchInto(partial, metadata),
        );
        const problem = await fileProblem(partial, metadata, true);
        if (problem === undefined) break;
        await rm(partial, { force: true });
        if (fetches === 2) {
          throw new ModelResolutionError(
            'E_INTEGRITY',
            `[resolveModel] ${metadata.file} of ${this.repo} (model "${this.model}") fails its check twice ` +
              `(${problem}): ${metadata.downloadUrl.origin}${metadata.downloadUrl.pathname}`,
            { model: this.model },
          );
        }
      }
      await rename(partial, destination);
      const size = (await sizeOf(destination))!;
      return manifestFile(metadata, size);
    });
  }

  /** Appends the rest of the file to `partial` (or starts over when the server will not resume). */
  private async fetchInto(partial: string, metadata: HubFileMetadata): Promise<void> {
    let offset = (await sizeOf(partial)) ?? 0;
    if (metadata.size !== undefined && offset > metadata.size) {
      await rm(partial, { force: true });
      offset = 0;
    }
    if (metadata.size !== undefined && offset === metadata.size) return; // complete: only the check is left
    const answer = await hubRequest({
      method: 'GET',
      url: metadata.downloadUrl,
      token: this.settings.token,
      tokenOrigin: this.tokenOrigin,
      offset,
      followCrossOrigin: true,
      signal: this.settings.signal,
    });
    const { response } = answer;
    if (answer.status === 200) {
      offset = 0; // the whole file, whether or not a range was asked for
    } else if (answer.status !== 206 || contentRangeStart(response.headers['content-range']) !== offset) {
      response.resume();
      // A range the server cannot serve (416), or served from another byte: start over on the next attempt.
      if (answer.status === 206 || answer.status === 416) await rm(partial, { force: true });
      throw statusError(answer.status, answer.chainHeaders, answer.url);
    }
    const bodyLength = sizeHeader(response.headers['content-length']);
    const file = await open(partial, offset === 0 ? 'w' : 'a');
    let received = 0;
    try {
      this.report(metadata, offset, false);
      for await (const chunk of response) {
        await file.write(chunk as Buffer);
        received += (chunk as Buffer).length;
        this.report(metadata, offset + received, false);
      }
      await file.sync();
    } catch (cause) {
      throw asNetworkError(cause);
    } finally {
      await file.close();
    }
    if (bodyLength !== undefined && received < bodyLength) {
      throw new NetworkError(
        `the connection closed after ${received} of ${bodyLength} bytes`,
        false,
        undefined,
      );
    }
  }

  /**
   * Runs `attempt` again after transient failures (broken connections, 5xx, 429), waiting longer each time;
   * `unreachableRetries` says whether "cannot connect at all" counts as transient.
   */
  private async withRetries<T>(
    file: string,
    url: URL,
    unreachableRetries: boolean,
    attempt: () => Promise<T>,
  ): Promise<T> {
    for (let failures = 0; ; failures++) {
      try {
        return await attempt();
      } catch (cause) {
        const transient =
          (cause instanceof NetworkError && (unreachableRetries || !cause.unreachable)) ||
          (cause instanceof HttpStatusError && cause.retryable);
        if (!transient || failures >= this.settings.retries) throw this.failure(file, url, cause);
        const delayMs = Math.min(RETRY_BASE_DELAY_MS * 2 ** failures, RETRY_MAX_DELAY_MS);
        await sleep(delayMs, undefined, { signal: this.settings.signal });
      }
    }
  }

  /** The error a caller sees: URLs without their query (CDN signatures), never the token. */
  private failure(file: string, url: URL, cause: unknown): unknown {
    if (!(cause instanceof NetworkError || cause instanceof HttpStatusError)) return cause;
    const where = `${url.origin}${url.pathname}`;
    const subject = `${file} of ${this.repo} (model "${this.model}")`;
    const options = { model: this.model, cause };
    if (cause instanceof NetworkError) {
      return new ModelResolutionError(
        'E_DOWNLOAD',
        `[resolveModel] cannot download ${subject} (${cause.message}): ${where}`,
        options,
      );
    }
    if (cause.status === 401 || cause.status === 403) {
      const hint = this.settings.authenticated
        ? 'the token sent has no access to it: request access on the model page, or use another token'
        : 'it is gated, private or missing: set HF_TOKEN (or options.token) to a token with access';
      return new ModelResolutionError(
        'E_HUB_UNAUTHORIZED',
        `[resolveModel] the Hub refused ${subject} (${cause.message}); ${hint}: ${where}`,
        options,
      );
    }
    if (cause.status === 404) {
      return new ModelResolutionError(
        'E_HUB_NOT_FOUND',
        `[resolveModel] ${subject}: ${cause.message}: ${where}`,
        {
          model: this.model,
          cause,
        },
      );
    }
    return new ModelResolutionError(
      'E_DOWNLOAD',
      `[resolveModel] cannot download ${subject} (${cause.message}): ${where}`,
      options,
    );
  }

  private report(metadata: HubFileMetadata, bytesDone: number, cached: boolean): void {
    this.settings.onProgress?.({
      repo: this.repo,
      file: metadata.file,
      bytesDone,
      bytesTotal: metadata.size,
      cached,
    });
  }

  /** Downloads of the same content share one partial file, whatever snapshot they are for. */
  private downloadKey(metadata: HubFileMetadata): string {
    if (metadata.etag !== undefined && /^[A-Za-z0-9_-]{16,128}$/.test(metadata.etag)) return metadata.etag;
    const identity = `${this.repo}\n${metadata.commit ?? metadata.downloadUrl.href}\n${metadata.file}`;
    return createHash('sha256').update(identity).digest('hex');
  }
}

/** Whether an error means the Hub could not be reached at all (so the cache may answer instead). */
export function isUnreachable(error: unknown): boolean {
  return (
    error instanceof ModelResolutionError &&
    error.cause instanceof NetworkError &&
    (error.cause as NetworkError).unreachable
  );
}

function manifestFile(metadata: HubFileMetadata, size: number): ManifestFile {
  return { name: metadata.file, size, etag: metadata.etag, digest: metadata.digest };
}

function statusError(status: number, headers: IncomingHttpHeaders, url: URL): HttpStatusError {
  const hubErrorCode = headerText(headers['x-error-code']);
  const hubMessage = headerText(headers['x-error-message']);
  const described = [`HTTP ${status}`, hubErrorCode, hubMessage].filter((part) => part !== undefined);
  return new HttpStatusError(status, hubErrorCode, `${described.join(' ')} from ${url.origin}`);
}

function headerText(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text.trim() === '' ? undefined : text.trim();
}

function sizeHeader(value: string | string[] | undefined): number | undefined {
  const text = headerText(value);
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

/** `bytes 100-199/200` → 100. */
function contentRangeStart(value: string | undefined): number | undefined {
  const match = value === undefined ? null : /^bytes (\d+)-\d+\/(?:\d+|\*)$/.exec(value.trim());
  return match === null ? undefined : Number(match[1]);
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}
