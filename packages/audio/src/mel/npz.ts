/**
 * Reads the members of a .npz archive (a zip file of .npy members, as numpy.savez / savez_compressed write it):
 * stored or deflated members, found through the central directory. No zip64, encryption or multi-disk archives.
 * Format: PKWARE APPNOTE.TXT sections 4.3.7 (local header), 4.3.12 (central directory), 4.3.16 (end record).
 */

import { inflateRawSync } from 'node:zlib';
import { InvalidArgumentError } from '@verbatim/core';

const END_OF_CENTRAL_DIRECTORY_SIGNATURE = 0x06054b50;
const CENTRAL_HEADER_SIGNATURE = 0x02014b50;
const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const END_OF_CENTRAL_DIRECTORY_BYTES = 22;
const MAX_COMMENT_BYTES = 0xffff;
const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;
/** A 32-bit size or offset of all ones means the real value is in a zip64 record. */
const ZIP64_MARKER = 0xffffffff;

/**
 * The archive's members by name (numpy names them "<key>.npy"), each the member's uncompressed bytes. Throws
 * InvalidArgumentError naming the problem when the bytes are not a zip archive this reader handles.
 */
export function readNpzMembers(bytes: Uint8Array): Map<string, Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = findEndOfCentralDirectory(view);
  const entryCount = view.getUint16(end + 10, true);
  let cursor = view.getUint32(end + 16, true);
  const members = new Map<string, Uint8Array>();
  for (let entry = 0; entry < entryCount; entry++) {
    if (cursor + 46 > bytes.length || view.getUint32(cursor, true) !== CENTRAL_HEADER_SIGNATURE) {
      throw new InvalidArgumentError(`[readNpzMembers] corrupt central directory at byte: ${cursor}`);
    }
    const method = view.getUint16(cursor + 10, true);
    const compressedSize = view.getUint32(cursor + 20, true);
    const size = view.getUint32(cursor + 24, true);
    const nameLength = view.getUint16(cursor + 28, true);
    const extraLength = view.getUint16(cursor + 30, true);
    const commentLength = view.getUint16(cursor + 32, true);
    const localHeader = view.getUint32(cursor + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(cursor + 46, cursor + 46 + nameLength));
    if (compressedSize === ZIP64_MARKER || size === ZIP64_MARKER || localHeader === ZIP64_MARKER) {
      throw new InvalidArgumentError(`[readNpzMembers] zip64 members are not supported: ${name}`);
    }
    members.set(name, readMember(bytes, view, localHeader, method, compressedSize, size, name));
    cursor += 46 + nameLength + extraLength + commentLength;
  }
  return members;
}

function findEndOfCentralDirectory(view: DataView): number {
  const lowest = Math.max(0, view.byteLength - END_OF_CENTRAL_DIRECTORY_BYTES - MAX_COMMENT_BYTES);
  for (let at = view.byteLength - END_OF_CENTRAL_DIRECTORY_BYTES; at >= lowest; at--) {
    if (view.getUint32(at, true) === END_OF_CENTRAL_DIRECTORY_SIGNATURE) return at;
  }
  throw new InvalidArgumentError(
    `[readNpzMembers] not a zip archive (no end record), length: ${view.byteLength}`,
  );
}

function readMember(
  bytes: Uint8Array,
  view: DataView,
  localHeader: number,
  method: number,
  compressedSize: number,
  size: number,
  name: string,
): Uint8Array {
  if (localHeader + 30 > bytes.length || view.getUint32(localHeader, true) !== LOCAL_HEADER_SIGNATURE) {
    throw new InvalidArgumentError(`[readNpzMembers] corrupt local header of member: ${name}`);
  }
  // The local header's own name and extra lengths can differ from the central directory's.
  const dataStart =
    localHeader + 30 + view.getUint16(localHeader + 26, true) + view.getUint16(localHeader + 28, true);
  if (dataStart + compressedSize > bytes.length) {
    throw new InvalidArgumentError(`[readNpzMembers] member runs past the end of the archive: ${name}`);
  }
  const stored = bytes.subarray(dataStart, dataStart + compressedSize);
  let data: Uint8Array;
  if (method === METHOD_STORED) data = stored;
  else if (method === METHOD_DEFLATE) data = inflateRawSync(stored);
  else
    throw new InvalidArgumentError(
      `[readNpzMembers] unsupported compression method ${method} of member: ${name}`,
    );
  if (data.length !== size) {
    throw new InvalidArgumentError(
      `[readNpzMembers] member inflates to ${data.length} bytes, not ${size}: ${name}`,
    );
  }
  return data;
}
