/**
 * WAV sample encodings this reader decodes, and the loop that turns interleaved frames of any channel count into
 * mono float32 by averaging the channels.
 *
 * Scaling follows ffmpeg (and so Whisper, which reads through ffmpeg): an n-bit signed integer is divided by 2^(n-1),
 * unsigned 8-bit is centred on 128, A-law and µ-law expand to 16-bit values first.
 */

import { WAVE_FORMAT } from './fmt-chunk.js';
import { ALAW_TO_LINEAR, MULAW_TO_LINEAR } from './g711.js';
import { wavError } from './wav-error.js';
import type { WavHeader } from './wav-header.js';

type SampleKind = 'u8' | 's16' | 's24' | 's32' | 'f32' | 'f64' | 'alaw' | 'mulaw';

export interface WavSampleEncoding {
  readonly kind: SampleKind;
  /** ffmpeg's name for the codec, so WAV and ffprobe report the same names. */
  readonly codec: string;
  /** Bytes one sample of one channel occupies. */
  readonly bytesPerSample: number;
}

const ENCODINGS: Readonly<Record<SampleKind, WavSampleEncoding>> = {
  u8: { kind: 'u8', codec: 'pcm_u8', bytesPerSample: 1 },
  s16: { kind: 's16', codec: 'pcm_s16le', bytesPerSample: 2 },
  s24: { kind: 's24', codec: 'pcm_s24le', bytesPerSample: 3 },
  s32: { kind: 's32', codec: 'pcm_s32le', bytesPerSample: 4 },
  f32: { kind: 'f32', codec: 'pcm_f32le', bytesPerSample: 4 },
  f64: { kind: 'f64', codec: 'pcm_f64le', bytesPerSample: 8 },
  alaw: { kind: 'alaw', codec: 'pcm_alaw', bytesPerSample: 1 },
  mulaw: { kind: 'mulaw', codec: 'pcm_mulaw', bytesPerSample: 1 },
};

/** Integer PCM containers by byte width. Odd bit depths (12, 20) sit left-justified in the next whole byte. */
const PCM_BY_BYTES: readonly (SampleKind | undefined)[] = [undefined, 'u8', 's16', 's24', 's32'];
const BITS_PER_BYTE = 8;
const U8_MIDPOINT = 128;
const S16_SCALE = 2 ** 15;
const S24_SCALE = 2 ** 23;
const S32_SCALE = 2 ** 31;

/** The encoding for a format tag and bit depth, or undefined when this reader cannot decode it. */
export function wavSampleEncoding(formatTag: number, bitsPerSample: number): WavSampleEncoding | undefined {
  switch (formatTag) {
    case WAVE_FORMAT.PCM: {
      const kind = PCM_BY_BYTES[Math.ceil(bitsPerSample / BITS_PER_BYTE)];
      return kind && ENCODINGS[kind];
    }
    case WAVE_FORMAT.IEEE_FLOAT:
      return bitsPerSample === 32 ? ENCODINGS.f32 : bitsPerSample === 64 ? ENCODINGS.f64 : undefined;
    case WAVE_FORMAT.ALAW:
      return bitsPerSample === 8 ? ENCODINGS.alaw : undefined;
    case WAVE_FORMAT.MULAW:
      return bitsPerSample === 8 ? ENCODINGS.mulaw : undefined;
    default:
      return undefined;
  }
}

/**
 * The encoding a header needs, checked against its block alignment.
 * @throws AudioDecodeError E_AUDIO_FORMAT naming the format tag and bits when the encoding is not supported;
 *   E_AUDIO_CORRUPT when nBlockAlign is not channels × bytes per sample.
 */
export function requireWavSampleEncoding(header: WavHeader, path: string | undefined): WavSampleEncoding {
  const { formatTag, bitsPerSample, channels, blockAlignBytes } = header;
  const encoding = wavSampleEncoding(formatTag, bitsPerSample);
  if (encoding === undefined) {
    const tag = `0x${formatTag.toString(16).padStart(4, '0')}`;
    const via = header.isExtensible ? ' (WAVE_FORMAT_EXTENSIBLE sub-format)' : '';
    throw wavError(
      'E_AUDIO_FORMAT',
      `unsupported encoding: format tag ${tag}${via} with ${bitsPerSample} bits`,
      path,
    );
  }
  if (blockAlignBytes !== channels * encoding.bytesPerSample) {
    throw wavError(
      'E_AUDIO_CORRUPT',
      `block align of ${blockAlignBytes} bytes does not fit ${channels} channels of ${encoding.codec}`,
      path,
    );
  }
  return encoding;
}

/**
 * Decodes `frameCount` interleaved frames starting at `byteOffset` and averages each frame's channels.
 * @returns a new Float32Array of frameCount mono samples (the one copy the reader makes).
 */
export function decodeFramesToMono(
  view: DataView,
  byteOffset: number,
  frameCount: number,
  channels: number,
  encoding: WavSampleEncoding,
): Float32Array {
  const mono = new Float32Array(frameCount);
  const { kind, bytesPerSample } = encoding;
  // 16-bit mono, the commonest file by far: a loop with no channel sum and no switch, the same values
  // (profiled: 89 ms of a 10-minute file's 18 s run on the main thread before this path).
  if (channels === 1 && kind === 's16') {
    for (let frame = 0; frame < frameCount; frame++)
      mono[frame] = view.getInt16(byteOffset + 2 * frame, true) / S16_SCALE;
    return mono;
  }
  let offset = byteOffset;
  for (let frame = 0; frame < frameCount; frame++) {
    // Summing in float64 keeps the average exact before the single rounding to float32.
    let sum = 0;
    for (let channel = 0; channel < channels; channel++) {
      sum += readSample(view, offset, kind);
      offset += bytesPerSample;
    }
    mono[frame] = sum / channels;
  }
  return mono;
}

/** One sample as a float in [-1, 1]. A switch, not a function per kind, keeps the hot loop monomorphic. */
function readSample(view: DataView, offset: number, kind: SampleKind): number {
  switch (kind) {
    case 'u8':
      return (view.getUint8(offset) - U8_MIDPOINT) / U8_MIDPOINT;
    case 's16':
      return view.getInt16(offset, true) / S16_SCALE;
    case 's24':
      return (view.getUint16(offset, true) | (view.getInt8(offset + 2) << 16)) / S24_SCALE;
    case 's32':
      return view.getInt32(offset, true) / S32_SCALE;
    case 'f32':
      return view.getFloat32(offset, true);
    case 'f64':
      return view.getFloat64(offset, true);
    case 'alaw':
      return ALAW_TO_LINEAR[view.getUint8(offset)]! / S16_SCALE;
    case 'mulaw':
      return MULAW_TO_LINEAR[view.getUint8(offset)]! / S16_SCALE;
  }
}
