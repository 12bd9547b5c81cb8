/**
 * Test-only loading of the shared speech recordings exactly as tools/fixtures/mel/make_mel_fixtures.py loads them:
 * 16 kHz mono 16-bit WAV parsed here (a minimal RIFF walk, independent of the package's WAV decoder), FLAC through
 * ffmpeg to s16le, sliced and concatenated per the fixture manifest.
 */

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** ../shared/speech beside the repository root (see shared/README.md). */
export const SPEECH_DIR = fileURLToPath(new URL('../../../../../../shared/speech/', import.meta.url));

export interface ClipSource {
  readonly path: string;
  readonly start: number;
  readonly end: number | null;
}

/** A clip's int16 samples: each source (a path under SPEECH_DIR) sliced [start, end) and all concatenated. */
export function loadClip(sources: readonly ClipSource[]): Int16Array {
  const parts = sources.map(({ path, start, end }) => {
    const samples = readPcm16(`${SPEECH_DIR}${path}`);
    return samples.subarray(start, end ?? samples.length);
  });
  return Int16Array.from(parts.flatMap((part) => Array.from(part)));
}

/** sha256 of the samples as little-endian int16 bytes (what the fixture script records). */
export function pcmSha256(samples: Int16Array): string {
  return createHash('sha256')
    .update(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength))
    .digest('hex');
}

/** int16 / 32768 as float32 (exact). */
export function toFloat32(samples: Int16Array): Float32Array {
  return Float32Array.from(samples, (sample) => sample / 32768);
}

function readPcm16(path: string): Int16Array {
  return path.endsWith('.wav') ? readPcm16Wav(path) : decodeWithFfmpeg(path);
}

function readPcm16Wav(path: string): Int16Array {
  const bytes = readFileSync(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number): string => bytes.toString('latin1', at, at + 4);
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error(`not a RIFF/WAVE file: ${path}`);
  let formatChecked = false;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (tag(at) === 'fmt ') {
      const format = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      const rateHz = view.getUint32(body + 4, true);
      const bits = view.getUint16(body + 14, true);
      if (format !== 1 || channels !== 1 || rateHz !== 16_000 || bits !== 16) {
        throw new Error(
          `expected 16 kHz mono 16-bit PCM, got format ${format} ${channels} ch ${rateHz} Hz ${bits} bit: ${path}`,
        );
      }
      formatChecked = true;
    } else if (tag(at) === 'data') {
      if (!formatChecked) throw new Error(`data chunk before fmt chunk: ${path}`);
      const samples = new Int16Array(Math.min(size, bytes.length - body) >> 1);
      for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(body + 2 * i, true);
      return samples;
    }
    at = body + size + (size & 1); // chunks are padded to even sizes
  }
  throw new Error(`no data chunk: ${path}`);
}

function decodeWithFfmpeg(path: string): Int16Array {
  const result = spawnSync(
    'ffmpeg',
    ['-v', 'error', '-i', path, '-f', 's16le', '-acodec', 'pcm_s16le', '-'],
    {
      maxBuffer: 1 << 30,
    },
  );
  if (result.error !== undefined || result.status !== 0) {
    throw new Error(
      `ffmpeg (needed to decode FLAC fixtures' input) failed on ${path}: ${result.error ?? result.stderr}`,
    );
  }
  const pcm = result.stdout;
  const samples = new Int16Array(pcm.length >> 1);
  for (let i = 0; i < samples.length; i++) samples[i] = pcm.readInt16LE(2 * i);
  return samples;
}
