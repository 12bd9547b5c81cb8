/**
 * A stand-in for the Hugging Face Hub on 127.0.0.1, with the Hub's URL layout and headers:
 * - `HEAD|GET /{org}/{name}/resolve/{revision}/{file}` answers with `X-Repo-Commit`; a file stored in git comes
 *   back directly with `ETag: "<git blob sha1>"`; an LFS file (`*.safetensors`) is a 302 to the CDN carrying
 *   `X-Linked-Etag: "<sha256>"` and `X-Linked-Size`; errors carry `X-Error-Code` (RepoNotFound, RevisionNotFound,
 *   EntryNotFound, GatedRepo), and a gated repository answers 401 without the right Bearer token.
 * - The CDN is a second server (another origin, as on the Hub) serving `/blobs/<sha256>?sig=…` with Range (206).
 * Faults are injected per file, once each: a connection dropped mid-body, a body paused until released, a
 * corrupted body. Every request is recorded.
 */

import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  readonly server: 'hub' | 'cdn';
  readonly method: string;
  /** Path and query. */
  readonly url: string;
  readonly range: string | undefined;
  readonly authorization: string | undefined;
  /** The file served, when the request reached one. */
  readonly file: string | undefined;
}

export type Fault =
  /** Send the headers and the first `afterBytes` bytes, then close the connection. */
  | { readonly kind: 'drop'; readonly afterBytes: number }
  /** Send the first `afterBytes` bytes, then wait for `release` before sending the rest. */
  | { readonly kind: 'pause'; readonly afterBytes: number; readonly release: Promise<void> }
  /** Send the body with one byte flipped. */
  | { readonly kind: 'corrupt' };

interface StoredFile {
  readonly name: string;
  readonly content: Buffer;
  readonly lfs: boolean;
  readonly sha256: string;
  readonly gitSha1: string;
}

interface StoredRepo {
  readonly commit: string;
  readonly files: Map<string, StoredFile>;
  readonly token: string | undefined;
}

export interface AddRepoOptions {
  /** The commit `main` points at. Default: derived from the files. */
  readonly commit?: string;
  /** Makes the repository gated: only requests with this Bearer token get its files. */
  readonly token?: string;
}

export class FakeHub {
  readonly requests: RecordedRequest[] = [];
  private readonly repos = new Map<string, StoredRepo>();
  private readonly blobs = new Map<string, StoredFile>();
  private readonly faults = new Map<string, Fault[]>();
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly hub: Server,
    private readonly cdn: Server,
  ) {}

  static async start(): Promise<FakeHub> {
    let fake: FakeHub | undefined;
    const hub = createServer((request, response) => fake!.serveHub(request, response));
    const cdn = createServer((request, response) => fake!.serveCdn(request, response));
    fake = new FakeHub(hub, cdn);
    for (const server of [hub, cdn]) {
      server.on('connection', (socket) => {
        fake!.sockets.add(socket);
        socket.on('close', () => fake!.sockets.delete(socket));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    }
    return fake;
  }

  /** The Hub's base URL, as HF_ENDPOINT takes it. */
  get endpoint(): string {
    return `http://127.0.0.1:${(this.hub.address() as AddressInfo).port}`;
  }

  get cdnOrigin(): string {
    return `http://127.0.0.1:${(this.cdn.address() as AddressInfo).port}`;
  }

  /** Publishes a repository; `*.safetensors` files are stored in LFS, the others in git. */
  addRepo(repo: string, files: Record<string, Buffer | string>, options: AddRepoOptions = {}): void {
    const stored = new Map<string, StoredFile>();
    for (const [name, value] of Object.entries(files)) {
      const content = Buffer.isBuffer(value) ? value : Buffer.from(value);
      const file: StoredFile = {
        name,
        content,
        lfs: name.endsWith('.safetensors'),
        sha256: createHash('sha256').update(content).digest('hex'),
        gitSha1: gitBlobSha1(content),
      };
      stored.set(name, file);
      if (file.lfs) this.blobs.set(file.sha256, file);
    }
    const commit =
      options.commit ??
      createHash('sha1')
        .update([...stored.values()].map((file) => `${file.name}:${file.sha256}`).join('\n'))
        .digest('hex');
    this.repos.set(repo, { commit, files: stored, token: options.token });
  }

  commitOf(repo: string): string {
    return this.repos.get(repo)!.commit;
  }

  /** Arms a fault for the next time `file`'s bytes are served (faults queue up, one per serving). */
  inject(file: string, fault: Fault): void {
    this.faults.set(file, [...(this.faults.get(file) ?? []), fault]);
  }

  /** GETs that served (or tried to serve) the bytes of `file`. */
  bodyRequests(file: string): RecordedRequest[] {
    return this.requests.filter((request) => request.method === 'GET' && request.file === file);
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(
      [this.hub, this.cdn].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
    );
  }

  private serveHub(request: IncomingMessage, response: ServerResponse): void {
    const match = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/([^?]+)$/.exec(request.url ?? '');
    const record = (file?: string) => this.record('hub', request, file);
    if (match === null) {
      record();
      return void sendError(response, 404, undefined, 'Not a resolve URL');
    }
    const [, repoName, encodedRevision, file] = match as unknown as [string, string, string, string];
    const repo = this.repos.get(repoName);
    if (repo === undefined) {
      record();
      return void sendError(response, 404, 'RepoNotFound', 'Repository not found');
    }
    if (repo.token !== undefined && request.headers.authorization !== `Bearer ${repo.token}`) {
      record();
      return void sendError(response, 401, 'GatedRepo', `Access to model ${repoName} is restricted.`);
    }
    const revision = decodeURIComponent(encodedRevision);
    if (revision !== 'main' && revision !== repo.commit) {
      record();
      return void sendError(response, 404, 'RevisionNotFound', `Invalid rev id: ${revision}`);
    }
    const stored = repo.files.get(file);
    if (stored === undefined) {
      record();
      return void sendError(response, 404, 'EntryNotFound', `${file} does not exist on "${revision}"`);
    }
    response.setHeader('x-repo-commit', repo.commit);
    if (stored.lfs) {
      record();
      response.writeHead(302, {
        location: `${this.cdnOrigin}/blobs/${stored.sha256}?sig=${createHash('sha1').update(file).digest('hex')}`,
        'x-linked-etag': `"${stored.sha256}"`,
        'x-linked-size': String(stored.content.length),
        // The pointer file's own id, which a client must not mistake for the content's.
        etag: `"${gitBlobSha1(Buffer.from(`pointer ${stored.sha256}`))}"`,
        'content-length': '0',
      });
      return void response.end();
    }
    record(request.method === 'GET' ? file : undefined);
    this.serveBytes(request, response, stored, `"${stored.gitSha1}"`);
  }

  private serveCdn(request: IncomingMessage, response: ServerResponse): void {
    const match = /^\/blobs\/([0-9a-f]{64})(\?.*)?$/.exec(request.url ?? '');
    const stored = match === null ? undefined : this.blobs.get(match[1]!);
    this.record('cdn', request, request.method === 'GET' ? stored?.name : undefined);
    if (stored === undefined) return void sendError(response, 404, undefined, 'NoSuchKey');
    this.serveBytes(request, response, stored, `"${stored.sha256}"`);
  }

  /** A file's bytes, whole (200) or from a `bytes=N-` range (206), with any armed fault applied. */
  private serveBytes(
    request: IncomingMessage,
    response: ServerResponse,
    file: StoredFile,
    etag: string,
  ): void {
    const total = file.content.length;
    const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
    const start = range === null ? 0 : Number(range[1]);
    if (start > 0 && start >= total) {
      response.writeHead(416, { 'content-range': `bytes */${total}` });
      return void response.end();
    }
    response.setHeader('etag', etag);
    response.setHeader('accept-ranges', 'bytes');
    response.setHeader('content-length', String(total - start));
    if (start > 0) {
      response.writeHead(206, { 'content-range': `bytes ${start}-${total - 1}/${total}` });
    } else {
      response.writeHead(200);
    }
    if (request.method === 'HEAD') return void response.end();
    const fault = request.method === 'GET' ? this.faults.get(file.name)?.shift() : undefined;
    let body = file.content.subarray(start);
    if (fault?.kind === 'corrupt') {
      body = Buffer.from(body);
      body[body.length >> 1]! ^= 0xff;
    }
    if (fault?.kind === 'drop') {
      response.write(body.subarray(0, fault.afterBytes), () => response.socket?.destroySoon());
      return;
    }
    if (fault?.kind === 'pause') {
      response.write(body.subarray(0, fault.afterBytes));
      void fault.release.then(() => response.end(body.subarray(fault.afterBytes)));
      return;
    }
    response.end(body);
  }

  private record(server: 'hub' | 'cdn', request: IncomingMessage, file: string | undefined): void {
    this.requests.push({
      server,
      method: request.method ?? '',
      url: request.url ?? '',
      range: request.headers.range,
      authorization: request.headers.authorization,
      file,
    });
  }
}

/** git's object id of a blob: SHA-1 of `blob <size>\0` + content. */
export function gitBlobSha1(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

function sendError(
  response: ServerResponse,
  status: number,
  code: string | undefined,
  message: string,
): void {
  if (code !== undefined) response.setHeader('x-error-code', code);
  response.setHeader('x-error-message', message);
  response.writeHead(status, { 'content-type': 'text/plain' });
  response.end(message);
}
