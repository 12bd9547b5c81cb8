import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isVerbatimError } from '@verbatim/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ffmpeg,
  ffmpegReferenceSamples,
  makeTempDir,
  sox,
  writeRawF64,
  writeRawS16,
} from '../ffmpeg/test-support/media-tools.js';
import { WAVE_FORMAT } from './fmt-chunk.js';
import { readWav, readWavFormat } from './read-wav.js';
import { ascii, buildWav, ds64Body, fmtBody, s16Bytes } from './test-support/wav-builder.js';

const RATE_HZ = 16_000;
/** Known samples in [-1, 1): extremes, exact binary fractions, values between quantisation steps, a sine. */
const KNOWN = [
  -1,
  -0.5,
  -1 / 3,
  -0.001,
  0,
  0.0001,
  0.1,
  1 / 3,
  0.5,
  0.999,
  ...Array.from({ length: 200 }, (_, i) => 0.8 * Math.sin((2 * Math.PI * 440 * i) / RATE_HZ)),
];
/** The float32 output cannot resolve finer than 2^-24 near ±1 whatever the source's depth. */
const FLOAT32_RESOLUTION = 2 ** -24;
const SOX_RAW_F64 = ['-t', 'raw', '-e', 'floating-point', '-b', '64', '-r', String(RATE_HZ), '-c', '1'];

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let knownRawPath: string;

beforeAll(async () => {
  temp = await makeTempDir();
  knownRawPath = join(temp.dir, 'known.f64');
  await writeRawF64(knownRawPath, KNOWN);
});
afterAll(() => temp.remove());

type WavWriter = (path: string) => Promise<unknown>;

/** sox converting KNOWN (raw float64) with the given output options. */
const viaSox =
  (...outputArgs: string[]): WavWriter =>
  (path) =>
    sox(...SOX_RAW_F64, knownRawPath, ...outputArgs, path);

/** ffmpeg converting KNOWN (raw float64) with the given output options. */
const viaFfmpeg =
  (...outputArgs: string[]): WavWriter =>
  (path) =>
    ffmpeg('-f', 'f64le', '-ar', String(RATE_HZ), '-ac', '1', '-i', knownRawPath, ...outputArgs, path);

function maxAbsDifference(actual: Float32Array, expected: readonly number[] | Float32Array): number {
  expect(actual.length).toBe(expected.length);
  return actual.reduce((max, value, i) => Math.max(max, Math.abs(value - expected[i]!)), 0);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Runs `read` and returns the VerbatimError it throws. */
function thrown(read: () => unknown): { code: string; message: string; path: string | undefined } {
  try {
    read();
  } catch (error) {
    if (isVerbatimError(error)) return error;
    throw error;
  }
  throw new Error('expected a VerbatimError');
}

describe('readWav encodings (files written by sox and ffmpeg)', () => {
  interface EncodingCase {
    name: string;
    write: WavWriter;
    codec: string;
    formatTag: number;
    isExtensible: boolean;
    bitsPerSample: number;
    /** One LSB of the format, or float32's resolution where that is coarser; 0: the nearest float32 exactly. */
    tolerance: number;
  }
  const { PCM, IEEE_FLOAT } = WAVE_FORMAT;
  it.each<EncodingCase>([
    {
      name: 'u8',
      write: viaSox('-e', 'unsigned', '-b', '8'),
      codec: 'pcm_u8',
      formatTag: PCM,
      isExtensible: false,
      bitsPerSample: 8,
      tolerance: 2 ** -7,
    },
    {
      name: 's16',
      write: viaSox('-e', 'signed', '-b', '16'),
      codec: 'pcm_s16le',
      formatTag: PCM,
      isExtensible: false,
      bitsPerSample: 16,
      tolerance: 2 ** -15,
    },
    {
      name: 's24',
      write: viaSox('-t', 'wavpcm', '-e', 'signed', '-b', '24'),
      codec: 'pcm_s24le',
      formatTag: PCM,
      isExtensible: false,
      bitsPerSample: 24,
      tolerance: 2 ** -23,
    },
    {
      name: 's24-ext',
      write: viaSox('-e', 'signed', '-b', '24'),
      codec: 'pcm_s24le',
      formatTag: PCM,
      isExtensible: true,
      bitsPerSample: 24,
      tolerance: 2 ** -23,
    },
    {
      name: 's32-ext',
      write: viaSox('-e', 'signed', '-b', '32'),
      codec: 'pcm_s32le',
      formatTag: PCM,
      isExtensible: true,
      bitsPerSample: 32,
      tolerance: FLOAT32_RESOLUTION,
    },
    // sox passes samples through 32-bit integers, so its floats are only float32-resolution close to KNOWN; ffmpeg
    // converts the float64 input straight to the nearest float32/float64 (and writes EXTENSIBLE above 16 bits).
    {
      name: 'f32',
      write: viaSox('-e', 'floating-point', '-b', '32'),
      codec: 'pcm_f32le',
      formatTag: IEEE_FLOAT,
      isExtensible: false,
      bitsPerSample: 32,
      tolerance: FLOAT32_RESOLUTION,
    },
    {
      name: 'f64',
      write: viaSox('-e', 'floating-point', '-b', '64'),
      codec: 'pcm_f64le',
      formatTag: IEEE_FLOAT,
      isExtensible: false,
      bitsPerSample: 64,
      tolerance: FLOAT32_RESOLUTION,
    },
    {
      name: 'f32-ext',
      write: viaFfmpeg('-c:a', 'pcm_f32le'),
      codec: 'pcm_f32le',
      formatTag: IEEE_FLOAT,
      isExtensible: true,
      bitsPerSample: 32,
      tolerance: 0,
    },
    {
      name: 'f64-ext',
      write: viaFfmpeg('-c:a', 'pcm_f64le'),
      codec: 'pcm_f64le',
      formatTag: IEEE_FLOAT,
      isExtensible: true,
      bitsPerSample: 64,
      tolerance: 0,
    },
  ])('$name round-trips known samples within one LSB', async ({ name, write, tolerance, ...expected }) => {
    const path = join(temp.dir, `${name}.wav`);
    await write(path);
    const { audio, format } = readWav(await readFile(path), { path });

    expect(format).toMatchObject({ ...expected, container: 'wav', channels: 1, sampleRateHz: RATE_HZ });
    expect(format).toMatchObject({ frameCount: KNOWN.length, durationS: KNOWN.length / RATE_HZ });
    expect(audio.sampleRateHz).toBe(RATE_HZ);
    const reference = tolerance === 0 ? KNOWN.map(Math.fround) : KNOWN;
    expect(maxAbsDifference(audio.samples, reference)).toBeLessThanOrEqual(tolerance);
    // And bit for bit what ffmpeg (hence Whisper) decodes from the same file.
    expect(Array.from(audio.samples)).toEqual(Array.from(await ffmpegReferenceSamples(['-i', path])));
  });

  it.each([
    ['a-law', 'pcm_alaw', WAVE_FORMAT.ALAW],
    ['u-law', 'pcm_mulaw', WAVE_FORMAT.MULAW],
  ] as const)(
    '%s decodes within one companding step, bit-exact with ffmpeg',
    async (encoding, codec, tag) => {
      const path = join(temp.dir, `${encoding}.wav`);
      await viaSox('-e', encoding, '-b', '8')(path);
      const { audio, format } = readWav(await readFile(path), { path });

      expect(format).toMatchObject({ codec, formatTag: tag, bitsPerSample: 8, frameCount: KNOWN.length });
      expect(Array.from(audio.samples)).toEqual(Array.from(await ffmpegReferenceSamples(['-i', path])));
      // A G.711 step is 1/16 of its segment; the smallest segment steps by 16 (µ-law 8) in 16-bit units.
      KNOWN.forEach((known, i) => {
        expect(Math.abs(audio.samples[i]! - known)).toBeLessThanOrEqual(Math.abs(known) / 16 + 16 / 32768);
      });
    },
  );

  it('round-trips exactly the values G.711 can represent', async () => {
    // ffmpeg expands every A-law code; sox re-encodes those levels, which any correct coder maps back to themselves.
    const codesPath = join(temp.dir, 'codes.alaw');
    await writeFile(
      codesPath,
      Uint8Array.from({ length: 256 }, (_, code) => code),
    );
    const levels = await ffmpegReferenceSamples(['-f', 'alaw', '-ar', '8000', '-ac', '1', '-i', codesPath]);
    const levelsPath = join(temp.dir, 'levels.f64');
    await writeRawF64(levelsPath, Array.from(levels));
    const path = join(temp.dir, 'levels-alaw.wav');
    await sox(...SOX_RAW_F64, levelsPath, '-e', 'a-law', '-b', '8', path);

    expect(Array.from(readWav(await readFile(path)).audio.samples)).toEqual(Array.from(levels));
  });
});

describe('readWav multi-channel down-mix', () => {
  const CHANNELS = 5;
  const FRAMES = 300;
  /** Channel c of frame f: distinct, signed, hitting both extremes. */
  const sampleAt = (frame: number, channel: number) =>
    Math.max(-32768, Math.min(32767, Math.round(((frame * 7919 + channel * 104729) % 65536) - 32768)));
  const rawS16Input = (raw: string) => [
    '-t',
    'raw',
    '-e',
    'signed',
    '-b',
    '16',
    '-r',
    '16000',
    '-c',
    '5',
    raw,
  ];
  const interleaved = Array.from({ length: FRAMES * CHANNELS }, (_, i) =>
    sampleAt(Math.floor(i / CHANNELS), i % CHANNELS),
  );

  it.each([
    // sox and ffmpeg both write WAVE_FORMAT_EXTENSIBLE for 5 channels.
    ['s16', (raw: string, out: string) => sox(...rawS16Input(raw), '-e', 'signed', '-b', '16', out)],
    [
      'f32',
      (raw: string, out: string) =>
        ffmpeg(...['-f', 's16le', '-ar', '16000', '-ac', '5', '-i', raw, '-c:a', 'pcm_f32le', out]),
    ],
  ] as const)('averages %s channels exactly (one rounding, of the float64 mean)', async (name, convert) => {
    const rawPath = join(temp.dir, `five-${name}.s16`);
    const path = join(temp.dir, `five-${name}.wav`);
    await writeRawS16(rawPath, interleaved);
    await convert(rawPath, path);
    const { audio, format } = readWav(await readFile(path), { path });

    expect(format).toMatchObject({ channels: CHANNELS, isExtensible: true, frameCount: FRAMES });
    const expected = Array.from({ length: FRAMES }, (_, frame) => {
      let sum = 0;
      for (let channel = 0; channel < CHANNELS; channel++) sum += sampleAt(frame, channel) / 32768;
      return Math.fround(sum / CHANNELS);
    });
    expect(Array.from(audio.samples)).toEqual(expected);
  });

  it('returns a channel unchanged when all channels carry it', () => {
    const frames = [1000, -32768, 32767, 0, -1];
    const bytes = buildWav({
      chunks: [
        { id: 'fmt ', body: fmtBody({ formatTag: 1, channels: 3, sampleRateHz: 8000, bitsPerSample: 16 }) },
        { id: 'data', body: s16Bytes(frames.flatMap((value) => [value, value, value])) },
      ],
    });
    expect(Array.from(readWav(bytes).audio.samples)).toEqual(frames.map((value) => value / 32768));
  });
});

describe('readWav containers and chunk layout', () => {
  const MONO_S16 = fmtBody({ formatTag: 1, channels: 1, sampleRateHz: RATE_HZ, bitsPerSample: 16 });
  const VALUES = [0, 1, -1, 32767, -32768, 1234];
  const EXPECTED = VALUES.map((value) => value / 32768);

  it('reads RF64 written by ffmpeg (-rf64 always) through its ds64 sizes', async () => {
    const path = join(temp.dir, 'rf64.wav');
    await ffmpeg(
      ...['-f', 'f64le', '-ar', String(RATE_HZ), '-ac', '1', '-i', knownRawPath],
      ...['-c:a', 'pcm_s16le', '-rf64', 'always', path],
    );
    const bytes = await readFile(path);
    expect(bytes.toString('latin1', 0, 4)).toBe('RF64');
    const { audio, format } = readWav(bytes, { path });

    expect(format).toMatchObject({ container: 'rf64', codec: 'pcm_s16le', frameCount: KNOWN.length });
    expect(maxAbsDifference(audio.samples, KNOWN)).toBeLessThanOrEqual(2 ** -15);
  });

  it('reads BW64 and uses the ds64 table for other chunks with 0xFFFFFFFF sizes', () => {
    const bigList = new Uint8Array(10);
    const bytes = buildWav({
      magic: 'BW64',
      chunks: [
        { id: 'ds64', body: ds64Body(VALUES.length * 2, [{ id: 'LIST', size: bigList.byteLength }]) },
        { id: 'LIST', body: bigList, declaredSize: 0xffff_ffff },
        { id: 'fmt ', body: MONO_S16 },
        { id: 'data', body: s16Bytes(VALUES), declaredSize: 0xffff_ffff },
        { id: 'junk', body: new Uint8Array(6) },
      ],
    });
    const { audio, format } = readWav(bytes);
    expect(format.container).toBe('bw64');
    expect(Array.from(audio.samples)).toEqual(EXPECTED);
  });

  it('skips unknown chunks and the pad byte after odd-sized chunks, before and after data', () => {
    const u8Values = [0, 64, 128, 192, 255, 1, 127]; // 7 bytes: an odd-sized data chunk
    const bytes = buildWav({
      chunks: [
        { id: 'LIST', body: ascii('INFOx') },
        { id: 'fmt ', body: fmtBody({ formatTag: 1, channels: 1, sampleRateHz: 8000, bitsPerSample: 8 }) },
        { id: 'fact', body: new Uint8Array(4) },
        { id: 'bext', body: ascii('abc') },
        { id: 'data', body: Uint8Array.from(u8Values) },
        { id: 'id3 ', body: ascii('tag') },
      ],
    });
    const { audio, format } = readWav(bytes);
    expect(format).toMatchObject({ codec: 'pcm_u8', frameCount: 7 });
    expect(Array.from(audio.samples)).toEqual(u8Values.map((value) => (value - 128) / 128));
  });

  it('finds a fmt chunk that follows the data chunk', () => {
    const bytes = buildWav({
      chunks: [
        { id: 'data', body: s16Bytes(VALUES) },
        { id: 'fmt ', body: MONO_S16 },
      ],
    });
    expect(Array.from(readWav(bytes).audio.samples)).toEqual(EXPECTED);
  });

  it.each([
    ['0xFFFFFFFF', 0xffff_ffff],
    ['larger than the file', 1_000_000],
  ])('reads a data chunk declared %s to the end of the file, on whole frames', (_, declaredSize) => {
    const stereo = fmtBody({ formatTag: 1, channels: 2, sampleRateHz: 8000, bitsPerSample: 16 });
    const strayBytes = Uint8Array.from([1, 2, 3]); // a cut-off frame at the end
    const body = Uint8Array.from([...s16Bytes([100, 300, -200, -400]), ...strayBytes]);
    const bytes = buildWav({
      riffSize: 0xffff_ffff,
      chunks: [
        { id: 'fmt ', body: stereo },
        { id: 'data', body, declaredSize, pad: false },
      ],
    });
    const { audio, format } = readWav(bytes);
    expect(format.frameCount).toBe(2);
    expect(Array.from(audio.samples)).toEqual([200 / 32768, -300 / 32768]);
  });

  it.each([
    ['ffmpeg, RIFF', ['-f', 'wav']],
    ['ffmpeg, RF64', ['-rf64', 'always', '-f', 'wav']],
  ])('reads a WAV %s streamed to a pipe (placeholder sizes)', async (_, args) => {
    const bytes = await ffmpeg(
      ...['-f', 'f64le', '-ar', String(RATE_HZ), '-ac', '1', '-i', knownRawPath],
      ...['-c:a', 'pcm_s16le', ...args, 'pipe:1'],
    );
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true)).toBe(0xffff_ffff);
    const { audio } = readWav(bytes);
    expect(maxAbsDifference(audio.samples, KNOWN)).toBeLessThanOrEqual(2 ** -15);
  });

  it('reads a WAV sox streamed to a pipe (0x7FFFF000 placeholder, as espeak-ng --stdout writes)', async () => {
    const bytes = await sox(...SOX_RAW_F64, knownRawPath, '-t', 'wav', '-e', 'signed', '-b', '16', '-');
    const { audio } = readWav(bytes);
    expect(maxAbsDifference(audio.samples, KNOWN)).toBeLessThanOrEqual(2 ** -15);
  });
});

describe('readWavFormat', () => {
  it('describes a file from a prefix holding only its headers', () => {
    const bytes = buildWav({
      chunks: [
        { id: 'fmt ', body: fmtBody({ formatTag: 3, channels: 2, sampleRateHz: 48_000, bitsPerSample: 32 }) },
        { id: 'data', body: new Uint8Array(48_000 * 8) },
      ],
    });
    const format = readWavFormat(bytes.subarray(0, 64), { fileByteLength: bytes.byteLength });
    expect(format).toEqual({
      container: 'wav',
      codec: 'pcm_f32le',
      formatTag: 3,
      isExtensible: false,
      sampleRateHz: 48_000,
      channels: 2,
      bitsPerSample: 32,
      frameCount: 48_000,
      durationS: 1,
    });
  });
});

describe('readWav errors name the file and carry stable codes', () => {
  const path = '/recordings/take 1.wav';
  const FMT = fmtBody({ formatTag: 1, channels: 1, sampleRateHz: 8000, bitsPerSample: 16 });
  const DATA = { id: 'data', body: s16Bytes([1, 2, 3]) };

  it.each([
    ['not RIFF', ascii('ID3\u0004 this is an mp3, not a wav'), 'E_AUDIO_FORMAT', 'not a RIFF or RF64 file'],
    [
      'a RIFF that is not WAVE',
      buildWav({ formType: 'AVI ', chunks: [] }),
      'E_AUDIO_FORMAT',
      'RIFF file of form type "AVI " is not WAVE',
    ],
    [
      'a header cut short',
      ascii('RIFF\u0000\u0000'),
      'E_AUDIO_CORRUPT',
      'file ends inside the 12-byte RIFF header',
    ],
    [
      'a fmt chunk cut short',
      buildWav({ chunks: [{ id: 'fmt ', body: FMT }] }).subarray(0, 28),
      'E_AUDIO_CORRUPT',
      "chunk 'fmt ' at byte 12 declares 16 bytes but only 8 remain",
    ],
    ['no fmt chunk', buildWav({ chunks: [DATA] }), 'E_AUDIO_CORRUPT', 'no fmt chunk'],
    ['no data chunk', buildWav({ chunks: [{ id: 'fmt ', body: FMT }] }), 'E_AUDIO_CORRUPT', 'no data chunk'],
    [
      'a chunk running past the end of the file',
      buildWav({ chunks: [{ id: 'LIST', body: new Uint8Array(10), declaredSize: 1000 }] }),
      'E_AUDIO_CORRUPT',
      "chunk 'LIST' at byte 12 declares 1000 bytes but only 10 remain",
    ],
    [
      'a short fmt chunk',
      buildWav({ chunks: [{ id: 'fmt ', body: FMT.subarray(0, 14) }, DATA] }),
      'E_AUDIO_CORRUPT',
      'fmt chunk is 14 bytes',
    ],
    [
      'zero channels',
      buildWav({
        chunks: [
          { id: 'fmt ', body: fmtBody({ formatTag: 1, channels: 0, sampleRateHz: 8000, bitsPerSample: 16 }) },
          DATA,
        ],
      }),
      'E_AUDIO_CORRUPT',
      'fmt chunk declares 0 channels at 8000 Hz',
    ],
    [
      'a block align that does not fit',
      buildWav({
        chunks: [
          {
            id: 'fmt ',
            body: fmtBody({
              formatTag: 1,
              channels: 2,
              sampleRateHz: 8000,
              bitsPerSample: 16,
              blockAlign: 2,
            }),
          },
          DATA,
        ],
      }),
      'E_AUDIO_CORRUPT',
      'block align of 2 bytes does not fit 2 channels of pcm_s16le',
    ],
    [
      'RF64 without ds64',
      buildWav({ magic: 'RF64', chunks: [{ id: 'fmt ', body: FMT }, DATA] }),
      'E_AUDIO_CORRUPT',
      'RF64 file has no ds64 chunk',
    ],
    [
      'IMA ADPCM',
      buildWav({
        chunks: [
          {
            id: 'fmt ',
            body: fmtBody({
              formatTag: 0x11,
              channels: 1,
              sampleRateHz: 8000,
              bitsPerSample: 4,
              blockAlign: 256,
            }),
          },
          DATA,
        ],
      }),
      'E_AUDIO_FORMAT',
      'unsupported encoding: format tag 0x0011 with 4 bits',
    ],
    [
      '16-bit float',
      buildWav({
        chunks: [
          { id: 'fmt ', body: fmtBody({ formatTag: 3, channels: 1, sampleRateHz: 8000, bitsPerSample: 16 }) },
          DATA,
        ],
      }),
      'E_AUDIO_FORMAT',
      'unsupported encoding: format tag 0x0003 with 16 bits',
    ],
    [
      'an EXTENSIBLE sub-format this reader lacks',
      buildWav({
        chunks: [
          {
            id: 'fmt ',
            body: fmtBody({
              formatTag: 0xfffe,
              subFormatTag: 0x55,
              channels: 1,
              sampleRateHz: 8000,
              bitsPerSample: 0,
              blockAlign: 1,
            }),
          },
          DATA,
        ],
      }),
      'E_AUDIO_FORMAT',
      'unsupported encoding: format tag 0x0055 (WAVE_FORMAT_EXTENSIBLE sub-format) with 0 bits',
    ],
    [
      'an EXTENSIBLE sub-format GUID not built from a tag',
      buildWav({
        chunks: [
          {
            id: 'fmt ',
            body: fmtBody({
              formatTag: 0xfffe,
              subFormatTag: 1,
              subFormatGuidTail: [0x21, 0x07, 0xd3, 0x11, 0x86, 0x44, 0xc8, 0xc1, 0xca, 0x00, 0x00, 0x00],
              channels: 4,
              sampleRateHz: 8000,
              bitsPerSample: 16,
            }),
          },
          DATA,
        ],
      }),
      'E_AUDIO_FORMAT',
      'unsupported WAVE_FORMAT_EXTENSIBLE sub-format {00000001-0721-11d3-8644-c8c1ca000000}',
    ],
  ])('%s', (_, bytes, code, problem) => {
    const error = thrown(() => readWav(bytes, { path }));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(
      new RegExp(`^\\[readWav\\] ${escapeRegExp(problem)}.*: ${escapeRegExp(path)}$`),
    );
    expect(error.path).toBe(path);
  });

  it('names in-memory input when there is no path', () => {
    expect(thrown(() => readWav(ascii('nope, not audio'))).message).toBe(
      '[readWav] not a RIFF or RF64 file (starts with "nope"): <in-memory WAV>',
    );
  });
});
