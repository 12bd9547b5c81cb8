/** Where streamed bytes go: a file, or a running hash (so tests can hash a model without writing it). */
import type { Hash } from 'node:crypto';
import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';

export interface ByteSink {
  /** Appends `bytes`; the sink does not keep a reference after returning, so callers may reuse the buffer. */
  write(bytes: Uint8Array): void;
  /** Bytes written so far. */
  readonly position: number;
}

/** Writes below this size are gathered; larger ones go straight to the file. */
const GATHER_BYTES = 1 << 20;

/** A file written synchronously, small writes gathered. Not thread-safe; call close() exactly once. */
export class FileSink implements ByteSink {
  private readonly fd: number;
  private readonly pending = new Uint8Array(GATHER_BYTES);
  private pendingLength = 0;
  position = 0;

  /** Creates or truncates `path`. Throws the fs error when it cannot be opened. */
  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  write(bytes: Uint8Array): void {
    if (this.pendingLength + bytes.byteLength > GATHER_BYTES) this.flush();
    if (bytes.byteLength >= GATHER_BYTES) this.writeAll(bytes);
    else {
      this.pending.set(bytes, this.pendingLength);
      this.pendingLength += bytes.byteLength;
    }
    this.position += bytes.byteLength;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private flush(): void {
    this.writeAll(this.pending.subarray(0, this.pendingLength));
    this.pendingLength = 0;
  }

  private writeAll(bytes: Uint8Array): void {
    for (let done = 0; done < bytes.byteLength; ) done += writeSync(this.fd, bytes, done);
  }
}

/** Writes the file at `path` through a FileSink, closing it even when `write` throws. */
export function withFileSink<T>(path: string, write: (sink: FileSink) => T): T {
  const sink = new FileSink(path);
  try {
    return write(sink);
  } finally {
    sink.close();
  }
}

/** A SHA-256 of everything written. */
export class HashSink implements ByteSink {
  private readonly hash: Hash = createHash('sha256');
  position = 0;

  write(bytes: Uint8Array): void {
    this.hash.update(bytes);
    this.position += bytes.byteLength;
  }

  /** Lower-case hex digest; the sink cannot be written after this. */
  hexDigest(): string {
    return this.hash.digest('hex');
  }
}
