/**
 * The WAV `fmt ` chunk: WAVEFORMAT (16 bytes), WAVEFORMATEX (+ cbSize) and WAVEFORMATEXTENSIBLE (+ valid bits,
 * channel mask and a sub-format GUID whose first four bytes are the real format tag).
 */

import { wavError } from './wav-error.js';

/** Format tags (wFormatTag) this package names; any other tag is reported by number. */
export const WAVE_FORMAT = {
  PCM: 0x0001,
  IEEE_FLOAT: 0x0003,
  ALAW: 0x0006,
  MULAW: 0x0007,
  EXTENSIBLE: 0xfffe,
} as const;

/** 16 bytes: wFormatTag, nChannels, nSamplesPerSec, nAvgBytesPerSec, nBlockAlign, wBitsPerSample. */
const WAVEFORMAT_BYTES = 16;
/** 40 bytes: WAVEFORMAT + cbSize (2) + wValidBitsPerSample (2) + dwChannelMask (4) + SubFormat GUID (16). */
const WAVEFORMATEXTENSIBLE_BYTES = 40;
const SUB_FORMAT_OFFSET = 24;
const GUID_BYTES = 16;
/**
 * Bytes 4..15 of every KSDATAFORMAT_SUBTYPE_* GUID derived from a format tag
 * ({tag-0000-0010-8000-00aa00389b71}); GUIDs with other tails (e.g. Ambisonic B-format) are not plain tags.
 */
const TAG_GUID_TAIL = [0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71] as const;

export interface FmtChunk {
  /** The effective format tag: the sub-format's tag for WAVE_FORMAT_EXTENSIBLE, else wFormatTag. */
  readonly formatTag: number;
  /** True when the chunk is WAVEFORMATEXTENSIBLE. */
  readonly isExtensible: boolean;
  readonly channels: number;
  readonly sampleRateHz: number;
  /** nBlockAlign: bytes per sample frame (all channels). */
  readonly blockAlignBytes: number;
  /** wBitsPerSample: for PCM the container size; valid bits may be fewer. */
  readonly bitsPerSample: number;
}

/**
 * Parses the body of a `fmt ` chunk.
 * @param view DataView over the file bytes.
 * @param bodyOffset byte offset of the chunk body (after the 8-byte chunk header).
 * @param bodyBytes the chunk's declared size; the caller has checked the body lies inside `view`.
 * @param path file the bytes came from, named in errors (may be undefined for in-memory input).
 * @throws AudioDecodeError E_AUDIO_CORRUPT when the chunk is too short or declares zero channels or rate;
 *   E_AUDIO_FORMAT when an EXTENSIBLE sub-format GUID is not derived from a format tag.
 */
export function parseFmtChunk(
  view: DataView,
  bodyOffset: number,
  bodyBytes: number,
  path: string | undefined,
): FmtChunk {
  if (bodyBytes < WAVEFORMAT_BYTES) {
    throw wavError(
      'E_AUDIO_CORRUPT',
      `fmt chunk is ${bodyBytes} bytes, shorter than the ${WAVEFORMAT_BYTES} every WAV needs`,
      path,
    );
  }
  const declaredTag = view.getUint16(bodyOffset, true);
  const channels = view.getUint16(bodyOffset + 2, true);
  const sampleRateHz = view.getUint32(bodyOffset + 4, true);
  const blockAlignBytes = view.getUint16(bodyOffset + 12, true);
  const bitsPerSample = view.getUint16(bodyOffset + 14, true);
  if (channels === 0 || sampleRateHz === 0) {
    throw wavError('E_AUDIO_CORRUPT', `fmt chunk declares ${channels} channels at ${sampleRateHz} Hz`, path);
  }
  if (declaredTag !== WAVE_FORMAT.EXTENSIBLE) {
    return {
      formatTag: declaredTag,
      isExtensible: false,
      channels,
      sampleRateHz,
      blockAlignBytes,
      bitsPerSample,
    };
  }
  if (bodyBytes < WAVEFORMATEXTENSIBLE_BYTES) {
    throw wavError(
      'E_AUDIO_CORRUPT',
      `WAVE_FORMAT_EXTENSIBLE fmt chunk is ${bodyBytes} bytes, shorter than ${WAVEFORMATEXTENSIBLE_BYTES}`,
      path,
    );
  }
  const guidOffset = bodyOffset + SUB_FORMAT_OFFSET;
  const isTagGuid = TAG_GUID_TAIL.every((byte, i) => view.getUint8(guidOffset + 4 + i) === byte);
  if (!isTagGuid) {
    throw wavError(
      'E_AUDIO_FORMAT',
      `unsupported WAVE_FORMAT_EXTENSIBLE sub-format ${formatGuid(view, guidOffset)}`,
      path,
    );
  }
  // The tag occupies the GUID's first field (Data1, little-endian); the tag GUIDs keep its upper half zero.
  const formatTag = view.getUint32(guidOffset, true);
  return { formatTag, isExtensible: true, channels, sampleRateHz, blockAlignBytes, bitsPerSample };
}

/** Renders a GUID the way Windows headers do: {Data1-Data2-Data3-Data4[0..1]-Data4[2..7]}, Data1..3 little-endian. */
function formatGuid(view: DataView, offset: number): string {
  const hex = (value: number, digits: number) => value.toString(16).padStart(digits, '0');
  const tail = Array.from({ length: GUID_BYTES - 8 }, (_, i) => hex(view.getUint8(offset + 8 + i), 2)).join(
    '',
  );
  return `{${hex(view.getUint32(offset, true), 8)}-${hex(view.getUint16(offset + 4, true), 4)}-${hex(
    view.getUint16(offset + 6, true),
    4,
  )}-${tail.slice(0, 4)}-${tail.slice(4)}}`;
}
