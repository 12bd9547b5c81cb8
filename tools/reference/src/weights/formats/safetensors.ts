/**
 * safetensors files as the reference `safetensors` library writes them: u64 little-endian header length, compact
 * JSON header (`__metadata__` first, then tensors sorted by name, data offsets in that order), padded with spaces
 * to a multiple of 8 bytes, then the tensor data. Sharded models follow transformers' naming and index file.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { Dtype } from '../float-encoding.js';
import type { ByteSink } from './byte-sink.js';
import { withFileSink } from './byte-sink.js';
import type { JsonValue } from './python-json.js';
import { dumpPythonJson } from './python-json.js';
import type { StoredTensor } from './stored-tensor.js';

const SAFETENSORS_DTYPES: Record<Dtype, string> = { f32: 'F32', f16: 'F16', bf16: 'BF16' };
const HEADER_ALIGNMENT = 8;
const LENGTH_BYTES = 8;
export const SHARD_INDEX_FILE = 'model.safetensors.index.json';

function byName(tensors: readonly StoredTensor[]): StoredTensor[] {
  return [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The 8-byte length plus the padded JSON header for these tensors. */
export function safetensorsHeader(
  tensors: readonly StoredTensor[],
  metadata: Record<string, string>,
): Uint8Array {
  const entries = new Map<string, JsonValue>([['__metadata__', metadata]]);
  let offset = 0;
  for (const tensor of byName(tensors)) {
    entries.set(tensor.name, {
      dtype: SAFETENSORS_DTYPES[tensor.dtype],
      shape: [...tensor.shape],
      data_offsets: [offset, offset + tensor.byteLength],
    });
    offset += tensor.byteLength;
  }
  const json = Buffer.from(dumpPythonJson(entries, { compact: true }), 'utf8');
  const padded =
    json.byteLength + ((HEADER_ALIGNMENT - (json.byteLength % HEADER_ALIGNMENT)) % HEADER_ALIGNMENT);
  const out = Buffer.alloc(LENGTH_BYTES + padded, ' ');
  out.writeBigUInt64LE(BigInt(padded), 0);
  json.copy(out, LENGTH_BYTES);
  return out;
}

/** Streams a whole safetensors file into `sink`. */
export function writeSafetensors(
  sink: ByteSink,
  tensors: readonly StoredTensor[],
  metadata: Record<string, string>,
): void {
  sink.write(safetensorsHeader(tensors, metadata));
  for (const tensor of byName(tensors)) tensor.writeTo(sink);
}

/** Tensors sorted by name, cut greedily: a shard closes when the next tensor would take it past `maxShardBytes`. */
export function planShards(tensors: readonly StoredTensor[], maxShardBytes: number): StoredTensor[][] {
  if (!(maxShardBytes > 0))
    throw new RangeError(`[planShards] maxShardBytes must be positive, got ${maxShardBytes}`);
  const shards: StoredTensor[][] = [];
  let size = 0;
  for (const tensor of byName(tensors)) {
    const current = shards.at(-1);
    if (current === undefined || (current.length > 0 && size + tensor.byteLength > maxShardBytes)) {
      shards.push([tensor]);
      size = tensor.byteLength;
    } else {
      current.push(tensor);
      size += tensor.byteLength;
    }
  }
  return shards;
}

/** `model-00001-of-00003.safetensors` for index 0 of 3. */
export function shardFileName(index: number, count: number): string {
  const five = (n: number) => String(n).padStart(5, '0');
  return `model-${five(index + 1)}-of-${five(count)}.safetensors`;
}

/** Writes model-0000i-of-0000N.safetensors and model.safetensors.index.json into `dir`; returns their paths. */
export function writeShardedSafetensors(
  dir: string,
  tensors: readonly StoredTensor[],
  metadata: Record<string, string>,
  maxShardBytes: number,
): string[] {
  const shards = planShards(tensors, maxShardBytes);
  const weightMap: Record<string, string> = {};
  const written = shards.map((shard, index) => {
    const fileName = shardFileName(index, shards.length);
    withFileSink(join(dir, fileName), (sink) => writeSafetensors(sink, shard, metadata));
    for (const tensor of shard) weightMap[tensor.name] = fileName;
    return join(dir, fileName);
  });
  const totalSize = tensors.reduce((sum, tensor) => sum + tensor.byteLength, 0);
  const index = { metadata: { total_size: totalSize }, weight_map: weightMap };
  const indexPath = join(dir, SHARD_INDEX_FILE);
  withFileSink(indexPath, (sink) =>
    sink.write(Buffer.from(`${dumpPythonJson(index, { indent: 2, sortKeys: true })}\n`, 'utf8')),
  );
  return [...written, indexPath];
}

export interface SafetensorsEntry {
  readonly dtype: string;
  readonly shape: readonly number[];
  /** Byte offsets of the data, relative to the end of the header. */
  readonly dataOffsets: readonly [number, number];
}

export interface SafetensorsHeader {
  readonly metadata: Record<string, string>;
  readonly tensors: ReadonlyMap<string, SafetensorsEntry>;
  /** Where tensor data starts in the file: 8 + header length. */
  readonly dataStart: number;
}

function readAt(path: string, position: number, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const out = Buffer.alloc(length);
    for (let done = 0; done < length; ) {
      const read = readSync(fd, out, done, length - done, position + done);
      if (read === 0) throw new RangeError(`[safetensors] ${path} ends before byte ${position + length}`);
      done += read;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

/** Parses the header of a safetensors file, reading only the header. Throws SyntaxError on malformed JSON. */
export function readSafetensorsHeader(path: string): SafetensorsHeader {
  const length = Number(readAt(path, 0, LENGTH_BYTES).readBigUInt64LE(0));
  const parsed = JSON.parse(readAt(path, LENGTH_BYTES, length).toString('utf8')) as Record<string, unknown>;
  const tensors = new Map<string, SafetensorsEntry>();
  for (const [name, value] of Object.entries(parsed)) {
    if (name === '__metadata__') continue;
    const entry = value as { dtype: string; shape: number[]; data_offsets: [number, number] };
    tensors.set(name, { dtype: entry.dtype, shape: entry.shape, dataOffsets: entry.data_offsets });
  }
  const metadata = (parsed.__metadata__ ?? {}) as Record<string, string>;
  return { metadata, tensors, dataStart: LENGTH_BYTES + length };
}

/** The raw bytes of one tensor of a safetensors file. Throws RangeError when the file has no such tensor. */
export function readSafetensorsBytes(path: string, header: SafetensorsHeader, name: string): Uint8Array {
  const entry = header.tensors.get(name);
  if (entry === undefined) throw new RangeError(`[readSafetensorsBytes] ${path} has no tensor ${name}`);
  const [begin, end] = entry.dataOffsets;
  return readAt(path, header.dataStart + begin, end - begin);
}
