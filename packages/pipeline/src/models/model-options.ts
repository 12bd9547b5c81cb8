/**
 * The options of model resolution, their defaults (options win over environment variables, which win over built-in
 * defaults) and their resolution, once, at the API boundary.
 */

import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { InvalidArgumentError } from '@verbatim/core';

/** The Hugging Face Hub. */
export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';
export const DEFAULT_REVISION = 'main';
/** Further attempts per file after a network or server error, each resuming where the last one stopped. */
export const DEFAULT_DOWNLOAD_RETRIES = 4;
const MAX_DOWNLOAD_RETRIES = 100;

/** verbatim's cache root (models go under its `models/` folder). */
export const VERBATIM_CACHE_ENV = 'VERBATIM_CACHE';
/** Environment variables the Hugging Face tools share, honoured with the same meaning. */
export const HF_ENDPOINT_ENV = 'HF_ENDPOINT';
export const HF_TOKEN_ENV = 'HF_TOKEN';
export const HF_HUB_OFFLINE_ENV = 'HF_HUB_OFFLINE';

/** Progress of one file, reported as its bytes arrive (and once when it is found in the cache). */
export interface DownloadProgress {
  /** The Hub repository: `openai/whisper-tiny`. */
  readonly repo: string;
  /** The file's name in the repository: `model.safetensors`. */
  readonly file: string;
  /** Bytes of the file on disk so far, counting those of an earlier, interrupted download. */
  readonly bytesDone: number;
  /** The file's size, when the Hub announced it. */
  readonly bytesTotal: number | undefined;
  /** True when the file was already in the cache and nothing was fetched. */
  readonly cached: boolean;
}

export interface ResolveModelOptions {
  /** Branch, tag or commit of the Hub repository. Default `main`. */
  readonly revision?: string;
  /**
   * verbatim's cache directory; models are kept under its `models/` folder. Default: `$VERBATIM_CACHE`, else
   * `$XDG_CACHE_HOME/verbatim`, else `~/.cache/verbatim`.
   */
  readonly cacheDir?: string;
  /** Use the cache only, never the network. Default: true when `HF_HUB_OFFLINE` is 1, true, yes or on. */
  readonly offline?: boolean;
  /** Base URL of the Hub. Default: `$HF_ENDPOINT`, else https://huggingface.co. */
  readonly endpoint?: string;
  /**
   * Access token for gated or private repositories. Default: `$HF_TOKEN`. Sent only to the endpoint's own origin
   * (never to the CDN it redirects to) and never written to messages or logs.
   */
  readonly token?: string;
  /** Further attempts per file after a network or server error. Default 4. */
  readonly retries?: number;
  /**
   * Re-hash cached files against the hashes the Hub announced before trusting them. Default false: cached files
   * are checked by size only, as hashing gigabytes on every start would be slow.
   */
  readonly verifyCache?: boolean;
  /** Called as each file's bytes arrive, for progress bars. */
  readonly onProgress?: (progress: DownloadProgress) => void;
  /** Aborts downloads in flight; what was fetched stays on disk for the next attempt to resume. */
  readonly signal?: AbortSignal;
}

/** The options as they were applied, echoed in results. The token itself is never echoed. */
export interface ResolvedModelOptions {
  readonly revision: string;
  readonly cacheDir: string;
  readonly offline: boolean;
  readonly endpoint: string;
  /** Whether a token was sent to the Hub. */
  readonly authenticated: boolean;
  readonly retries: number;
  readonly verifyCache: boolean;
}

/** Everything the Hub client needs: the resolved options plus the token and callbacks. */
export interface HubSettings extends ResolvedModelOptions {
  readonly token: string | undefined;
  readonly onProgress: ((progress: DownloadProgress) => void) | undefined;
  readonly signal: AbortSignal | undefined;
}

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Applies defaults and validates.
 * @throws InvalidArgumentError for an empty or malformed revision, endpoint, cache directory or retry count.
 */
export function resolveHubSettings(
  options: ResolveModelOptions = {},
  env: Environment = process.env,
): HubSettings {
  const operation = 'resolveModel';
  const token = nonEmpty(options.token) ?? nonEmpty(env[HF_TOKEN_ENV]);
  const retries = options.retries ?? DEFAULT_DOWNLOAD_RETRIES;
  if (!Number.isInteger(retries) || retries < 0 || retries > MAX_DOWNLOAD_RETRIES) {
    throw new InvalidArgumentError(
      `[${operation}] options.retries must be an integer from 0 to ${MAX_DOWNLOAD_RETRIES}: ${retries}`,
    );
  }
  return {
    revision: checkRevision(operation, options.revision ?? DEFAULT_REVISION),
    cacheDir: resolve(options.cacheDir ?? defaultCacheDir(env)),
    offline: options.offline ?? isTruthyFlag(env[HF_HUB_OFFLINE_ENV]),
    endpoint: checkEndpoint(
      operation,
      options.endpoint ?? nonEmpty(env[HF_ENDPOINT_ENV]) ?? DEFAULT_HUB_ENDPOINT,
    ),
    authenticated: token !== undefined,
    retries,
    verifyCache: options.verifyCache ?? false,
    token,
    onProgress: options.onProgress,
    signal: options.signal,
  };
}

/** The public echo of settings: the resolved options without the token and callbacks. */
export function echoedOptions(settings: HubSettings): ResolvedModelOptions {
  const { revision, cacheDir, offline, endpoint, authenticated, retries, verifyCache } = settings;
  return Object.freeze({ revision, cacheDir, offline, endpoint, authenticated, retries, verifyCache });
}

/** `$VERBATIM_CACHE`, else `$XDG_CACHE_HOME/verbatim` (absolute values only, as the XDG spec asks), else `~/.cache/verbatim`. */
export function defaultCacheDir(env: Environment = process.env): string {
  const explicit = nonEmpty(env[VERBATIM_CACHE_ENV]);
  if (explicit !== undefined) return resolve(explicit);
  const xdg = nonEmpty(env.XDG_CACHE_HOME);
  return join(xdg !== undefined && isAbsolute(xdg) ? xdg : join(homedir(), '.cache'), 'verbatim');
}

/** huggingface_hub's reading of boolean environment variables. */
function isTruthyFlag(value: string | undefined): boolean {
  return value !== undefined && ['1', 'true', 'yes', 'on'].includes(value.trim().toLowerCase());
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function checkEndpoint(operation: string, endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new InvalidArgumentError(`[${operation}] the Hub endpoint is not a URL: ${endpoint}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError(`[${operation}] the Hub endpoint must be an http(s) URL: ${endpoint}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new InvalidArgumentError(
      `[${operation}] put credentials in HF_TOKEN or options.token, not in the endpoint URL: ${url.host}`,
    );
  }
  return endpoint.replace(/\/+$/, '');
}

/** Revisions become URL segments and cache file names, so no segment may be empty, `.` or `..`. */
function checkRevision(operation: string, revision: string): string {
  const segments = revision.split('/');
  if (
    /[\s\\]/.test(revision) ||
    segments.some((segment) => segment === '' || segment === '.' || segment === '..')
  ) {
    throw new InvalidArgumentError(`[${operation}] not a usable revision: ${JSON.stringify(revision)}`);
  }
  return revision;
}
