import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SAMPLE_RATE_HZ } from '@verbatim/core';
import { describe, expect, it } from 'vitest';
import { rejection, TONE_DURATION_S, useMediaFixtures } from './ffmpeg/test-support/media-fixtures.js';
import { sox } from './ffmpeg/test-support/media-tools.js';
import { decodeAudioFile, loadAudio, probe } from './load-audio.js';
import { readWav } from './wav/read-wav.js';
import { buildWav, fmtBody, s16Bytes } from './wav/test-support/wav-builder.js';

/** Real recordings with a manifest.tsv (set, path, lang, sample_rate, channels, duration_s, reference). */
const SPEECH_DIR =
  process.env.VERBATIM_SPEECH_DIR ?? fileURLToPath(new URL('../../../../shared/speech', import.meta.url));
const DURATION_TOLERANCE_S = 0.01;
const NO_FFMPEG = { ffmpegPath: '/nonexistent/ffmpeg', ffprobePath: '/nonexistent/ffprobe' };

const { fixture, tempPath } = useMediaFixtures();

async function tempFile(name: string, content: Uint8Array | string): Promise<string> {
  const path = tempPath(name);
  await writeFile(path, content);
  return path;
}

const VALUES = [0, 16384, -16384, 32767, -32768, 1];
const WAV_8K = buildWav({
  chunks: [
    { id: 'fmt ', body: fmtBody({ formatTag: 1, channels: 1, sampleRateHz: 8000, bitsPerSample: 16 }) },
    { id: 'data', body: s16Bytes(VALUES) },
  ],
});

describe('decodeAudioFile dispatches on content, not on the file name', () => {
  it('reads a WAV natively at its own rate, whatever it is called, without ffmpeg', async () => {
    const path = await tempFile('really-a-wav.mp3', WAV_8K);
    const { audio, format } = await decodeAudioFile(path, NO_FFMPEG);
    expect(audio.sampleRateHz).toBe(8000);
    expect(Array.from(audio.samples)).toEqual(VALUES.map((value) => value / 32768));
    expect(format).toMatchObject({ container: 'wav', codec: 'pcm_s16le', frameCount: VALUES.length });
  });

  it('sends an mp3 named .wav to ffmpeg (16 kHz out, the source described by ffprobe)', async () => {
    const path = tempPath('really-an-mp3.wav');
    await copyFile(await fixture('tone.mp3'), path);
    const { audio, format } = await decodeAudioFile(path);
    expect(audio.sampleRateHz).toBe(SAMPLE_RATE_HZ);
    expect(format).toMatchObject({ container: 'mp3', codec: 'mp3', sampleRateHz: 48_000, channels: 1 });
    expect(format.durationS).toBe(audio.samples.length / SAMPLE_RATE_HZ);
    expect(Math.abs(audio.samples.length / SAMPLE_RATE_HZ - TONE_DURATION_S)).toBeLessThanOrEqual(
      DURATION_TOLERANCE_S,
    );
  });

  it('hands a WAV encoding the native reader lacks (IMA ADPCM) to ffmpeg', async () => {
    const tone = tempPath('tone.wav');
    const adpcm = tempPath('adpcm.wav');
    await sox('-n', '-r', '16000', '-c', '1', '-b', '16', tone, 'synth', '0.5', 'sine', '440');
    await sox(tone, '-e', 'ima-adpcm', adpcm);
    const { audio, format } = await decodeAudioFile(adpcm);
    expect(format).toMatchObject({ container: 'wav', codec: 'adpcm_ima_wav', sampleRateHz: 16_000 });
    expect(Math.abs(audio.samples.length / SAMPLE_RATE_HZ - 0.5)).toBeLessThanOrEqual(DURATION_TOLERANCE_S);
    expect(await probe(adpcm)).toMatchObject({ container: 'wav', codec: 'adpcm_ima_wav', channels: 1 });
  });
});

describe('decodeAudioFile and probe errors name the file', () => {
  it.each([
    ['decodeAudioFile', decodeAudioFile],
    ['probe', probe],
  ] as const)('%s: missing file, directory, empty file', async (operation, read) => {
    const missing = tempPath('missing.wav');
    expect(await rejection(read(missing))).toMatchObject({
      code: 'E_FILE_NOT_FOUND',
      path: missing,
      message: `[${operation}] file not found: ${missing}`,
    });

    const directory = tempPath(`folder-${operation}.wav`);
    await mkdir(directory);
    expect(await rejection(read(directory))).toMatchObject({
      code: 'E_FILE_READ',
      path: directory,
      message: `[${operation}] expected an audio file, got a directory: ${directory}`,
    });

    const empty = await tempFile(`empty-${operation}.wav`, new Uint8Array(0));
    expect(await rejection(read(empty))).toMatchObject({
      code: 'E_FILE_EMPTY',
      path: empty,
      message: `[${operation}] file is empty (0 bytes): ${empty}`,
    });
  });

  it.each([
    ['decodeAudioFile', decodeAudioFile],
    ['probe', probe],
  ] as const)('%s: a text file named .wav is not a recognised audio format', async (_, read) => {
    const path = await fixture('not-audio.wav');
    const error = await rejection(read(path));
    expect(error.code).toBe('E_AUDIO_FORMAT');
    expect(error.message).toMatch(/not a recognised audio format/);
    expect(error.message.endsWith(`: ${path}`)).toBe(true);
    expect(error.path).toBe(path);
  });

  it.each([
    ['cut inside the RIFF header', WAV_8K.subarray(0, 6), 'file ends inside the 12-byte RIFF header'],
    ['cut inside the fmt chunk', WAV_8K.subarray(0, 30), "chunk 'fmt ' at byte 12 declares 16 bytes"],
  ])('a WAV %s is E_AUDIO_CORRUPT', async (_, bytes, problem) => {
    const path = await tempFile('truncated.wav', bytes);
    for (const read of [decodeAudioFile, probe]) {
      const error = await rejection(read(path));
      expect(error).toMatchObject({ code: 'E_AUDIO_CORRUPT', path });
      expect(error.message).toContain(problem);
      expect(error.message.endsWith(`: ${path}`)).toBe(true);
    }
  });

  it('reports a missing ffmpeg as E_FFMPEG_MISSING', async () => {
    const path = await fixture('tone.flac');
    expect(await rejection(decodeAudioFile(path, NO_FFMPEG))).toMatchObject({
      code: 'E_FFMPEG_MISSING',
      path,
    });
    expect(await rejection(probe(path, NO_FFMPEG))).toMatchObject({ code: 'E_FFMPEG_MISSING', path });
  });

  it('reports a video without audio as E_NO_AUDIO_STREAM', async () => {
    const path = await fixture('silent-video.mp4');
    expect(await rejection(decodeAudioFile(path))).toMatchObject({ code: 'E_NO_AUDIO_STREAM', path });
  });
});

describe('probe', () => {
  it('describes a WAV from its headers, as the decoder does', async () => {
    const path = await tempFile('probe.wav', WAV_8K);
    expect(await probe(path, NO_FFMPEG)).toEqual(readWav(WAV_8K).format);
  });

  it('reads further when a large chunk pushes fmt past the first bytes', async () => {
    const bytes = buildWav({
      chunks: [
        { id: 'LIST', body: new Uint8Array(200_001) },
        { id: 'fmt ', body: fmtBody({ formatTag: 1, channels: 2, sampleRateHz: 22_050, bitsPerSample: 16 }) },
        { id: 'data', body: new Uint8Array(22_050 * 4) },
      ],
    });
    const path = await tempFile('big-list.wav', bytes);
    expect(await probe(path, NO_FFMPEG)).toMatchObject({ channels: 2, sampleRateHz: 22_050, durationS: 1 });
  });

  it('describes other formats through ffprobe', async () => {
    expect(await probe(await fixture('video.mp4'))).toMatchObject({ codec: 'aac', sampleRateHz: 48_000 });
  });
});

describe('real recordings', () => {
  async function manifestDurationS(relativePath: string): Promise<number> {
    const rows = (await readFile(join(SPEECH_DIR, 'manifest.tsv'), 'utf8'))
      .split('\n')
      .map((row) => row.split('\t'));
    const header = rows[0] ?? [];
    const row = rows.find((cells) => cells[header.indexOf('path')] === relativePath);
    if (row === undefined) throw new Error(`${relativePath} is not in the manifest`);
    return Number(row[header.indexOf('duration_s')]);
  }

  it.each([
    // The mp3 is the same recording as jfk.wav, which the manifest lists.
    ['jfk/jfk.wav', 'jfk/jfk.wav', 16_000],
    ['jfk/jfk.flac', 'jfk/jfk.flac', SAMPLE_RATE_HZ],
    ['jfk/jfk.mp3', 'jfk/jfk.wav', SAMPLE_RATE_HZ],
  ])('%s decodes to its manifest duration', async (relativePath, manifestPath, rateHz) => {
    const { audio, format } = await decodeAudioFile(join(SPEECH_DIR, relativePath));
    expect(audio.sampleRateHz).toBe(rateHz);
    expect(format.durationS).toBeCloseTo(audio.samples.length / rateHz, 9);
    const expectedS = await manifestDurationS(manifestPath);
    expect(Math.abs(audio.samples.length / rateHz - expectedS)).toBeLessThanOrEqual(DURATION_TOLERANCE_S);
  });
});

describe('loadAudio', () => {
  it('brings an 8 kHz WAV to 16 kHz mono with twice the samples', async () => {
    const path = await tempFile('eight-k.wav', WAV_8K);
    const audio = await loadAudio(path);
    expect(audio.sampleRateHz).toBe(SAMPLE_RATE_HZ);
    expect(audio.samples.length).toBe(VALUES.length * 2);
  });

  it('returns 16 kHz input untouched', async () => {
    const jfk = join(SPEECH_DIR, 'jfk/jfk.wav');
    const [loaded, decoded] = await Promise.all([loadAudio(jfk), decodeAudioFile(jfk)]);
    expect(loaded.samples).toEqual(decoded.audio.samples);
    expect(loaded.samples.length).toBe(176_000);
  });
});
