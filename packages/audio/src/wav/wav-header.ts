/**
 * The WAV container: a RIFF (or RF64/BW64, for files past 4 GiB) header followed by chunks. Finds the `fmt ` and
 * `data` chunks, skipping every other chunk (LIST, fact, bext, cue, …), and works out how many data bytes really
 * follow, since streamed writers leave placeholder sizes behind.
 */

import { type FmtChunk, parseFmtChunk } from './fmt-chunk.js';
import { wavError } from './wav-error.js';

/** `wav` for RIFF; `rf64` (EBU Tech 3306) and `bw64` (ITU-R BS.2088) carry 64-bit sizes in a ds64 chunk. */
export type WavContainer = 'wav' | 'rf64' | 'bw64';

const CONTAINER_BY_MAGIC: Readonly<Record<string, WavContainer>> = {
  RIFF: 'wav',
  RF64: 'rf64',
  BW64: 'bw64',
};

/** 12 bytes: magic (4), file size (4), form type `WAVE` (4). */
export const WAV_SIGNATURE_BYTES = 12;
/** 8 bytes before each chunk's body: id (4) and size (4). */
const CHUNK_HEADER_BYTES = 8;
/** A 32-bit size of 0xFFFFFFFF means "look in ds64" (RF64) or "unknown, written to a pipe" (RIFF). */
const SIZE_PLACEHOLDER = 0xffff_ffff;
/** ds64 body: RIFF size (8), data size (8), sample count (8), table length (4), then 12-byte table entries. */
const DS64_FIXED_BYTES = 28;
const DS64_TABLE_ENTRY_BYTES = 12;

export interface WavHeader extends FmtChunk {
  readonly container: WavContainer;
  /** Byte offset of the first sample in the file. */
  readonly dataByteOffset: number;
  /** Sample bytes actually present: the declared size, cut to the end of the file when it claims more. */
  readonly dataByteLength: number;
}

export interface ParseWavHeaderOptions {
  /** The file's full size when `bytes` holds only its beginning (headers-only probing); default bytes.byteLength. */
  fileByteLength?: number;
  /** File named in errors. */
  path?: string;
}

/** True when `head` starts like a WAV file: RIFF/RF64/BW64 magic and, once 12 bytes are there, the WAVE form type. */
export function isWavSignature(head: Uint8Array): boolean {
  const view = viewOf(head);
  if (view.byteLength < 4 || !(fourCC(view, 0) in CONTAINER_BY_MAGIC)) return false;
  return view.byteLength < WAV_SIGNATURE_BYTES || fourCC(view, 8) === 'WAVE';
}

/**
 * Walks a WAV file's chunks up to the point where both `fmt ` and `data` have been seen.
 * @param bytes the file, or (with options.fileByteLength) its first bytes; read in place, never copied.
 * @returns the format and where the samples lie.
 * @throws AudioDecodeError E_AUDIO_FORMAT when the bytes are not a RIFF/RF64/BW64 WAVE file or use an unknown
 *   EXTENSIBLE sub-format; E_AUDIO_CORRUPT when the header is truncated, a chunk runs past the end of the file, or
 *   `fmt ` or `data` is missing. With a prefix of the file, E_AUDIO_CORRUPT may only mean the prefix was too short.
 */
export function parseWavHeader(bytes: Uint8Array, options: ParseWavHeaderOptions = {}): WavHeader {
  const { path } = options;
  const fileByteLength = options.fileByteLength ?? bytes.byteLength;
  const view = viewOf(bytes);
  const container = readContainer(view, path);

  let offset = WAV_SIGNATURE_BYTES;
  let ds64: Ds64 | undefined;
  if (container !== 'wav') {
    ds64 = readDs64(view, path);
    offset = ds64.nextChunkOffset;
  }

  let fmt: FmtChunk | undefined;
  let data: { offset: number; byteLength: number } | undefined;
  while (offset + CHUNK_HEADER_BYTES <= view.byteLength && (fmt === undefined || data === undefined)) {
    const id = fourCC(view, offset);
    const declaredBytes = view.getUint32(offset + 4, true);
    const bodyOffset = offset + CHUNK_HEADER_BYTES;
    const bytesToEnd = fileByteLength - bodyOffset;
    let bodyBytes =
      declaredBytes === SIZE_PLACEHOLDER && ds64 ? (ds64.sizes.get(id) ?? declaredBytes) : declaredBytes;

    if (id === 'data') {
      // Streamed writers (ffmpeg or sox to a pipe, espeak-ng --stdout) cannot seek back to fill in the size, so it
      // stays 0xFFFFFFFF, 0x7FFFF000 or 0 in RF64's ds64: the samples then run to the end of the file.
      const sizeUnknown = declaredBytes === SIZE_PLACEHOLDER && (ds64 === undefined || bodyBytes === 0);
      bodyBytes = sizeUnknown || bodyBytes > bytesToEnd ? bytesToEnd : bodyBytes;
      data = { offset: bodyOffset, byteLength: bodyBytes };
    } else if (bodyBytes > bytesToEnd) {
      throw wavError(
        'E_AUDIO_CORRUPT',
        `chunk '${id}' at byte ${offset} declares ${bodyBytes} bytes but only ${bytesToEnd} remain in the file`,
        path,
      );
    } else if (id === 'fmt ') {
      if (bodyOffset + bodyBytes > view.byteLength) {
        throw wavError('E_AUDIO_CORRUPT', `file ends inside the fmt chunk at byte ${offset}`, path);
      }
      fmt = parseFmtChunk(view, bodyOffset, bodyBytes, path);
    }
    // RIFF pads every odd-sized chunk with one byte so the next chunk starts on an even offset.
    offset = bodyOffset + bodyBytes + (bodyBytes & 1);
  }

  if (fmt === undefined) throw wavError('E_AUDIO_CORRUPT', 'no fmt chunk before the end of the file', path);
  if (data === undefined) throw wavError('E_AUDIO_CORRUPT', 'no data chunk before the end of the file', path);
  return { ...fmt, container, dataByteOffset: data.offset, dataByteLength: data.byteLength };
}

function readContainer(view: DataView, path: string | undefined): WavContainer {
  const magic = view.byteLength >= 4 ? fourCC(view, 0) : '';
  const container = CONTAINER_BY_MAGIC[magic];
  if (container === undefined) {
    throw wavError('E_AUDIO_FORMAT', `not a RIFF or RF64 file (starts with ${JSON.stringify(magic)})`, path);
  }
  if (view.byteLength < WAV_SIGNATURE_BYTES) {
    throw wavError(
      'E_AUDIO_CORRUPT',
      `file ends inside the ${WAV_SIGNATURE_BYTES}-byte ${magic} header (${view.byteLength} bytes)`,
      path,
    );
  }
  const formType = fourCC(view, 8);
  if (formType !== 'WAVE') {
    throw wavError(
      'E_AUDIO_FORMAT',
      `${magic} file of form type ${JSON.stringify(formType)} is not WAVE`,
      path,
    );
  }
  return container;
}

interface Ds64 {
  /** 64-bit sizes that replace 0xFFFFFFFF chunk sizes: `data` from the fixed fields, others from the table. */
  readonly sizes: ReadonlyMap<string, number>;
  readonly nextChunkOffset: number;
}

/** RF64 and BW64 require a ds64 chunk right after the 12-byte header. */
function readDs64(view: DataView, path: string | undefined): Ds64 {
  const offset = WAV_SIGNATURE_BYTES;
  const bodyOffset = offset + CHUNK_HEADER_BYTES;
  if (view.byteLength < bodyOffset || fourCC(view, offset) !== 'ds64') {
    throw wavError('E_AUDIO_CORRUPT', `RF64 file has no ds64 chunk at byte ${offset}`, path);
  }
  const bodyBytes = view.getUint32(offset + 4, true);
  if (bodyBytes < DS64_FIXED_BYTES || bodyOffset + bodyBytes > view.byteLength) {
    throw wavError('E_AUDIO_CORRUPT', `ds64 chunk of ${bodyBytes} bytes is truncated`, path);
  }
  const sizes = new Map<string, number>([['data', readUint64(view, bodyOffset + 8)]]);
  const tableLength = view.getUint32(bodyOffset + 24, true);
  if (DS64_FIXED_BYTES + tableLength * DS64_TABLE_ENTRY_BYTES > bodyBytes) {
    throw wavError('E_AUDIO_CORRUPT', `ds64 table of ${tableLength} entries overruns its chunk`, path);
  }
  for (let i = 0; i < tableLength; i++) {
    const entryOffset = bodyOffset + DS64_FIXED_BYTES + i * DS64_TABLE_ENTRY_BYTES;
    sizes.set(fourCC(view, entryOffset), readUint64(view, entryOffset + 4));
  }
  return { sizes, nextChunkOffset: bodyOffset + bodyBytes + (bodyBytes & 1) };
}

/** Little-endian unsigned 64-bit value as a Number: exact up to 2^53 bytes (8 PiB), far past any real file. */
function readUint64(view: DataView, offset: number): number {
  return view.getUint32(offset, true) + view.getUint32(offset + 4, true) * 2 ** 32;
}

/** The four ASCII characters at `offset` (a chunk id or magic). */
function fourCC(view: DataView, offset: number): string {
  return String.fromCharCode(
    view.getUint8(offset),
    view.getUint8(offset + 1),
    view.getUint8(offset + 2),
    view.getUint8(offset + 3),
  );
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
