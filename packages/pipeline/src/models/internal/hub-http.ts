/**
 * HTTP requests to the Hub and the CDN it redirects to, on node:http(s): no body decoding (Accept-Encoding:
 * identity, so Content-Length counts the file's own bytes), manual redirects (so the token never follows a
 * redirect to another origin), an idle timeout, and errors sorted into "unreachable" (no network: fall back to the
 * cache) and "transient" (retry, resuming).
 */

import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** A connection that sends nothing for this long is dropped and the download retried. */
export const SOCKET_IDLE_TIMEOUT_MS = 30_000;
/** More redirects than the Hub ever chains (renamed repository, then CDN). */
const MAX_REDIRECTS = 10;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Errors that mean the host cannot be reached at all, as opposed to a connection that broke. */
const UNREACHABLE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
]);

export interface HubRequest {
  readonly method: 'GET' | 'HEAD';
  readonly url: URL;
  /** Sent as a Bearer token, only to this origin. */
  readonly token: string | undefined;
  readonly tokenOrigin: string;
  /** First byte wanted (sends `Range: bytes=N-`); omitted or 0 for the whole file. */
  readonly offset?: number;
  /** Follow redirects to other origins (GET) or stop at them and report them (HEAD: metadata stays on the Hub). */
  readonly followCrossOrigin: boolean;
  readonly signal: AbortSignal | undefined;
}

/** A response with its body unread, plus every header the redirect chain carried (the first hop's win). */
export interface HubResponse {
  readonly status: number;
  readonly url: URL;
  readonly response: IncomingMessage;
  /** Headers merged over the chain: a header seen on an earlier hop is kept. */
  readonly chainHeaders: IncomingHttpHeaders;
  /** For a HEAD stopped at a cross-origin redirect: where the file's bytes are. */
  readonly redirectTo: URL | undefined;
}

/** A request that failed below HTTP: no connection, a reset, a timeout. */
export class NetworkError extends Error {
  readonly unreachable: boolean;
  constructor(message: string, unreachable: boolean, cause: unknown) {
    super(message, { cause });
    this.name = 'NetworkError';
    this.unreachable = unreachable;
  }
}

const USER_AGENT = `verbatim (@verbatim/pipeline; node/${process.versions.node})`;

/** Sends the request, following redirects as `request.followCrossOrigin` says. The caller must consume or destroy the body. */
export async function hubRequest(request: HubRequest): Promise<HubResponse> {
  let url = request.url;
  const chainHeaders: IncomingHttpHeaders = {};
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const response = await send(request, url);
    for (const [name, value] of Object.entries(response.headers)) chainHeaders[name] ??= value;
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (!REDIRECT_STATUSES.has(status) || location === undefined) {
      return { status, url, response, chainHeaders, redirectTo: undefined };
    }
    response.resume();
    const next = new URL(location, url);
    if (next.origin !== url.origin && !request.followCrossOrigin) {
      return { status, url, response, chainHeaders, redirectTo: next };
    }
    url = next;
  }
  throw new NetworkError(`more than ${MAX_REDIRECTS} redirects from ${request.url.href}`, false, undefined);
}

/** Wraps a socket-level failure (as thrown by a request or a body stream) in a NetworkError; passes others on. */
export function asNetworkError(cause: unknown): unknown {
  if (cause instanceof NetworkError) return cause;
  if (cause instanceof Error && cause.name === 'AbortError') return cause;
  const errno = (cause as NodeJS.ErrnoException | undefined)?.code;
  const message = cause instanceof Error ? cause.message : String(cause);
  return new NetworkError(
    errno === undefined ? message : `${errno}: ${message}`,
    errno !== undefined && UNREACHABLE_ERRNOS.has(errno),
    cause,
  );
}

function send(request: HubRequest, url: URL): Promise<IncomingMessage> {
  const headers: Record<string, string> = { 'user-agent': USER_AGENT, 'accept-encoding': 'identity' };
  if (request.token !== undefined && url.origin === request.tokenOrigin) {
    headers.authorization = `Bearer ${request.token}`;
  }
  if (request.offset !== undefined && request.offset > 0) headers.range = `bytes=${request.offset}-`;
  const requestFunction = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = requestFunction(
      url,
      { method: request.method, headers, signal: request.signal },
      resolve,
    );
    outgoing.setTimeout(SOCKET_IDLE_TIMEOUT_MS, () => {
      outgoing.destroy(
        Object.assign(new Error(`no data for ${SOCKET_IDLE_TIMEOUT_MS} ms`), { code: 'ETIMEDOUT' }),
      );
    });
    outgoing.on('error', (cause) => reject(asNetworkError(cause)));
    outgoing.end();
  });
}
