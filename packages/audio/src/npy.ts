/**
 * NumPy's .npy format (version 1.0 written; 1.0–3.0 read) for little-endian float32 arrays in C order — what the
 * CLI's `verbatim mel --out file.npy` writes and what the bundled mel filters are stored as.
 * Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 */

import { writeFile } from 'node:fs/promises';
import { FileError, InvalidArgumentError } from '@verbatim/core';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
/** Magic, two version bytes and the header-length field of version 1.0. */
const V1_PREAMBLE_BYTES = 10;
/** The header (preamble + dict + padding + newline) is padded to a multiple of this so the data is aligned. */
const HEADER_ALIGNMENT_BYTES = 64;

/** A float32 array with its shape (row-major: the last axis varies fastest). */
export interface NpyFloat32Array {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/**
 * Serialises `data` as a version 1.0 .npy file of dtype '<f4', C order, with the given shape. Throws
 * InvalidArgumentError when the shape is not made of non-negative integers or its product is not data.length.
 */
export function encodeNpy(data: Float32Array, shape: readonly number[]): Uint8Array {
  if (!shape.every((size) => Number.isSafeInteger(size) && size >= 0)) {
    throw new InvalidArgumentError(`[encodeNpy] shape must be non-negative integers: [${shape.join(', ')}]`);
  }
  const count = shape.reduce((product, size) => product * size, 1);
  if (count !== data.length) {
    throw new InvalidArgumentError(
      `[encodeNpy] shape [${shape.join(', ')}] holds ${count} values, not data.length: ${data.length}`,
    );
  }
  // A 1-tuple needs its trailing comma in Python syntax: (3,).
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = V1_PREAMBLE_BYTES + dict.length + 1;
  const headerBytes = Math.ceil(unpadded / HEADER_ALIGNMENT_BYTES) * HEADER_ALIGNMENT_BYTES;
  const header = `${dict}${' '.repeat(headerBytes - unpadded)}\n`;
  const bytes = new Uint8Array(headerBytes + data.length * 4);
  bytes.set(MAGIC);
  bytes[6] = 1; // version 1.0
  bytes[7] = 0;
  const view = new DataView(bytes.buffer);
  view.setUint16(8, header.length, true);
  bytes.set(new TextEncoder().encode(header), V1_PREAMBLE_BYTES);
  for (let i = 0; i < data.length; i++) view.setFloat32(headerBytes + i * 4, data[i]!, true);
  return bytes;
}

/**
 * Writes `data` with `shape` to `path` as a .npy file (see encodeNpy). Rejects with FileError (E_FILE_WRITE) when the
 * file cannot be written.
 */
export async function writeNpy(path: string, data: Float32Array, shape: readonly number[]): Promise<void> {
  const bytes = encodeNpy(data, shape);
  try {
    await writeFile(path, bytes);
  } catch (cause) {
    throw new FileError('E_FILE_WRITE', `[writeNpy] could not write the file: ${path}`, { path, cause });
  }
}

/**
 * Parses a .npy file holding a little-endian float32 array in C order. Throws InvalidArgumentError naming what is
 * wrong (not .npy, another dtype, Fortran order, truncated data).
 */
export function decodeNpy(bytes: Uint8Array): NpyFloat32Array {
  if (bytes.length < V1_PREAMBLE_BYTES || MAGIC.some((byte, i) => bytes[i] !== byte)) {
    throw new InvalidArgumentError(`[decodeNpy] not a .npy file (bad magic), length: ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6]!;
  if (major < 1 || major > 3)
    throw new InvalidArgumentError(`[decodeNpy] unsupported .npy version: ${major}`);
  const lengthFieldBytes = major === 1 ? 2 : 4;
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lengthFieldBytes + headerLength;
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(8 + lengthFieldBytes, dataStart),
  );
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  if (descr !== '<f4') throw new InvalidArgumentError(`[decodeNpy] dtype must be '<f4' (float32): ${descr}`);
  if (!/'fortran_order'\s*:\s*False/.test(header)) {
    throw new InvalidArgumentError(`[decodeNpy] arrays must be in C order: ${header.trim()}`);
  }
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (shapeText === undefined)
    throw new InvalidArgumentError(`[decodeNpy] header has no shape: ${header.trim()}`);
  const shape = shapeText
    .split(',')
    .map((size) => size.trim())
    .filter((size) => size !== '')
    .map(Number);
  const count = shape.reduce((product, size) => product * size, 1);
  if (dataStart + count * 4 > bytes.length) {
    throw new InvalidArgumentError(
      `[decodeNpy] data truncated: shape [${shape.join(', ')}] needs ${count * 4} bytes, file has ${bytes.length - dataStart}`,
    );
  }
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = view.getFloat32(dataStart + i * 4, true);
  return { shape, data };
}
