/**
 * The native WAV reader: RIFF/RF64/BW64 files of PCM (u8, s16, s24, s32), IEEE float (32, 64), A-law and µ-law,
 * plain or WAVE_FORMAT_EXTENSIBLE, any channel count, decoded to mono at the file's own sample rate.
 * Pure functions over bytes in memory; safe to call from any thread.
 */

import type { AudioBuffer } from '@verbatim/core';
import type { AudioFormatInfo } from '../load-audio-format.js';
import { parseWavHeader, type WavContainer, type WavHeader } from './wav-header.js';
import { decodeFramesToMono, requireWavSampleEncoding, type WavSampleEncoding } from './wav-samples.js';

export interface WavFormat extends AudioFormatInfo {
  readonly container: WavContainer;
  /** The effective format tag (the sub-format's for WAVE_FORMAT_EXTENSIBLE): 1 PCM, 3 float, 6 A-law, 7 µ-law. */
  readonly formatTag: number;
  readonly isExtensible: boolean;
  readonly bitsPerSample: number;
  /** Whole sample frames present; a trailing partial frame is dropped. */
  readonly frameCount: number;
  readonly durationS: number;
}

export interface DecodedWav {
  /** Mono samples at the file's own rate (format.sampleRateHz). */
  readonly audio: AudioBuffer;
  readonly format: WavFormat;
}

export interface ReadWavOptions {
  /** File the bytes came from, named in errors and attached to them as `path`. */
  path?: string;
  /**
   * readWavFormat only: the file's full size when `bytes` holds just its beginning. The header must lie within
   * `bytes`; if it does not, the call throws E_AUDIO_CORRUPT and the caller can retry with the whole file.
   */
  fileByteLength?: number;
}

/**
 * Decodes a whole WAV file held in memory, averaging all channels into one.
 * @param bytes the complete file; read in place through a DataView, only the mono output is allocated.
 * @throws AudioDecodeError E_AUDIO_FORMAT (not RIFF/RF64 WAVE, or an unsupported encoding, naming its format tag
 *   and bits) or E_AUDIO_CORRUPT (truncated header, missing fmt/data chunk, chunk past the end of the file).
 */
export function readWav(bytes: Uint8Array, options: Pick<ReadWavOptions, 'path'> = {}): DecodedWav {
  const { path } = options;
  const header = parseWavHeader(bytes, { path });
  const encoding = requireWavSampleEncoding(header, path);
  const format = describeWav(header, encoding);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const samples = decodeFramesToMono(
    view,
    header.dataByteOffset,
    format.frameCount,
    header.channels,
    encoding,
  );
  return { audio: { samples, sampleRateHz: header.sampleRateHz }, format };
}

/**
 * Describes a WAV file from its headers alone, without decoding samples.
 * @throws AudioDecodeError as readWav.
 */
export function readWavFormat(bytes: Uint8Array, options: ReadWavOptions = {}): WavFormat {
  const header = parseWavHeader(bytes, options);
  return describeWav(header, requireWavSampleEncoding(header, options.path));
}

function describeWav(header: WavHeader, encoding: WavSampleEncoding): WavFormat {
  const frameCount = Math.floor(header.dataByteLength / header.blockAlignBytes);
  return {
    container: header.container,
    codec: encoding.codec,
    formatTag: header.formatTag,
    isExtensible: header.isExtensible,
    sampleRateHz: header.sampleRateHz,
    channels: header.channels,
    bitsPerSample: header.bitsPerSample,
    frameCount,
    durationS: frameCount / header.sampleRateHz,
  };
}
