/**
 * Builds WAV files byte by byte for tests that need layouts the usual writers never produce: odd-sized and unknown
 * chunks, placeholder and lying sizes, truncations, RF64/BW64 with a ds64 table.
 */

export interface ChunkSpec {
  /** Four ASCII characters. */
  id: string;
  body: Uint8Array;
  /** Size field to write instead of body.byteLength (placeholders, lies). */
  declaredSize?: number;
  /** Write the pad byte after an odd-sized body (default true, as RIFF requires). */
  pad?: boolean;
}

export interface WavSpec {
  magic?: 'RIFF' | 'RF64' | 'BW64';
  formType?: string;
  /** RIFF size field; default: the true size (0xFFFFFFFF for RF64/BW64). */
  riffSize?: number;
  chunks: ChunkSpec[];
}

export function buildWav(spec: WavSpec): Uint8Array {
  const magic = spec.magic ?? 'RIFF';
  const parts: Uint8Array[] = [ascii(magic), new Uint8Array(4), ascii(spec.formType ?? 'WAVE')];
  for (const chunk of spec.chunks) {
    const header = new Uint8Array(8);
    header.set(ascii(chunk.id), 0);
    new DataView(header.buffer).setUint32(4, chunk.declaredSize ?? chunk.body.byteLength, true);
    parts.push(header, chunk.body);
    if (chunk.body.byteLength % 2 === 1 && chunk.pad !== false) parts.push(new Uint8Array(1));
  }
  const bytes = concat(parts);
  const riffSize = spec.riffSize ?? (magic === 'RIFF' ? bytes.byteLength - 8 : 0xffff_ffff);
  new DataView(bytes.buffer).setUint32(4, riffSize, true);
  return bytes;
}

export interface FmtSpec {
  formatTag: number;
  channels: number;
  sampleRateHz: number;
  bitsPerSample: number;
  /** Default: channels × ceil(bits / 8). */
  blockAlign?: number;
  /** Write WAVEFORMATEXTENSIBLE with this sub-format tag (formatTag should then be 0xFFFE). */
  subFormatTag?: number;
  /** Replace the standard GUID tail (bytes 4..15) of the sub-format. */
  subFormatGuidTail?: readonly number[];
}

const KSDATAFORMAT_TAIL = [0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

export function fmtBody(spec: FmtSpec): Uint8Array {
  const extensible = spec.subFormatTag !== undefined;
  const body = new Uint8Array(extensible ? 40 : 16);
  const view = new DataView(body.buffer);
  const blockAlign = spec.blockAlign ?? spec.channels * Math.ceil(spec.bitsPerSample / 8);
  view.setUint16(0, spec.formatTag, true);
  view.setUint16(2, spec.channels, true);
  view.setUint32(4, spec.sampleRateHz, true);
  view.setUint32(8, spec.sampleRateHz * blockAlign, true);
  view.setUint16(12, blockAlign, true);
  view.setUint16(14, spec.bitsPerSample, true);
  if (extensible) {
    view.setUint16(16, 22, true);
    view.setUint16(18, spec.bitsPerSample, true);
    view.setUint32(20, 0, true);
    view.setUint32(24, spec.subFormatTag ?? 0, true);
    body.set(spec.subFormatGuidTail ?? KSDATAFORMAT_TAIL, 28);
  }
  return body;
}

/** ds64 body: RIFF size, data size, sample count, then (chunk id, 64-bit size) table entries. */
export function ds64Body(dataSize: number, table: { id: string; size: number }[] = []): Uint8Array {
  const body = new Uint8Array(28 + 12 * table.length);
  const view = new DataView(body.buffer);
  view.setBigUint64(8, BigInt(dataSize), true);
  view.setUint32(24, table.length, true);
  table.forEach((entry, i) => {
    body.set(ascii(entry.id), 28 + 12 * i);
    view.setBigUint64(32 + 12 * i, BigInt(entry.size), true);
  });
  return body;
}

/** Little-endian 16-bit PCM bytes. */
export function s16Bytes(values: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 2);
  const view = new DataView(bytes.buffer);
  values.forEach((value, i) => {
    view.setInt16(i * 2, value, true);
  });
  return bytes;
}

export function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
