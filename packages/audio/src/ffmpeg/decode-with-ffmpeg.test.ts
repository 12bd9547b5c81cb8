import { copyFile, readFile } from 'node:fs/promises';
import { SAMPLE_RATE_HZ } from '@verbatim/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeWithFfmpeg, ffmpegDecodeArgs } from './decode-with-ffmpeg.js';
import { FFMPEG_PATH_ENV } from './ffmpeg-binaries.js';
import { PcmS16Collector } from './s16-collector.js';
import {
  type MediaFixture,
  rejection,
  rms,
  TONE_DURATION_S,
  TONE_RMS,
  useMediaFixtures,
} from './test-support/media-fixtures.js';

/** ±10 ms: decoded lengths must match the source, encoder priming and padding trimmed. */
const DURATION_TOLERANCE_S = 0.01;

const { fixture, tempPath } = useMediaFixtures();
afterEach(() => {
  vi.unstubAllEnvs();
});

describe('decodeWithFfmpeg', () => {
  it('asks ffmpeg for the first audio stream as mono s16le at 16 kHz on stdout, as Whisper does', () => {
    expect(ffmpegDecodeArgs('/a/b.mp3')).toEqual([
      ...['-nostdin', '-hide_banner', '-loglevel', 'error', '-protocol_whitelist', 'file,pipe'],
      ...['-i', 'file:/a/b.mp3', '-vn', '-map', '0:a:0', '-ac', '1', '-ar', '16000', '-f', 's16le', 'pipe:1'],
    ]);
    expect(ffmpegDecodeArgs(new Uint8Array(4))).toContain('pipe:0');
  });

  it.each<MediaFixture>(['tone.mp3', 'tone.flac', 'tone.opus', 'tone.m4a', 'tone.webm', 'video.mp4'])(
    'decodes %s to 16 kHz mono of the right duration',
    async (name) => {
      const audio = await decodeWithFfmpeg(await fixture(name));
      expect(audio.sampleRateHz).toBe(SAMPLE_RATE_HZ);
      expect(Math.abs(audio.samples.length / SAMPLE_RATE_HZ - TONE_DURATION_S)).toBeLessThanOrEqual(
        DURATION_TOLERANCE_S,
      );
      expect(rms(audio.samples)).toBeCloseTo(TONE_RMS, 2);
    },
  );

  it('lets ffmpeg down-mix: opposite-phase channels average to silence', async () => {
    const audio = await decodeWithFfmpeg(await fixture('opposite-phase.flac'));
    expect(audio.samples.length).toBe(TONE_DURATION_S * SAMPLE_RATE_HZ);
    expect(audio.samples.reduce((max, value) => Math.max(max, Math.abs(value)), 0)).toBeLessThan(1e-4);
  });

  it('decodes bytes piped to stdin exactly as the file they came from', async () => {
    const path = await fixture('tone.flac');
    const fromPipe = await decodeWithFfmpeg(await readFile(path));
    expect(fromPipe.samples).toEqual((await decodeWithFfmpeg(path)).samples);
  });

  it('reads paths that look like options or protocols', async () => {
    const path = tempPath('-take:2.flac');
    await copyFile(await fixture('tone.flac'), path);
    expect((await decodeWithFfmpeg(path)).samples.length).toBe(TONE_DURATION_S * SAMPLE_RATE_HZ);
  });

  it('reports a video without audio as E_NO_AUDIO_STREAM', async () => {
    const path = await fixture('silent-video.mp4');
    const error = await rejection(decodeWithFfmpeg(path));
    expect(error.code).toBe('E_NO_AUDIO_STREAM');
    expect(error.message).toBe(`[decodeWithFfmpeg] no audio stream in the input: ${path}`);
    expect(error.path).toBe(path);
  });

  it('reports data ffmpeg cannot read as E_AUDIO_FORMAT with its last stderr line', async () => {
    const path = await fixture('not-audio.wav');
    const error = await rejection(decodeWithFfmpeg(path));
    expect(error.code).toBe('E_AUDIO_FORMAT');
    expect(error.message).toBe(
      `[decodeWithFfmpeg] not a recognised audio format (ffmpeg: Invalid data found when processing input): ${path}`,
    );
    expect(error.path).toBe(path);
  });

  it('names in-memory input by its size', async () => {
    const error = await rejection(decodeWithFfmpeg(new TextEncoder().encode('not audio at all')));
    expect(error.code).toBe('E_AUDIO_FORMAT');
    expect(error.message).toMatch(/: <16 bytes from memory>$/);
    expect(error.path).toBeUndefined();
  });

  it('reports a missing file as E_FILE_NOT_FOUND', async () => {
    const path = tempPath('absent.mp3');
    const error = await rejection(decodeWithFfmpeg(path));
    expect(error).toMatchObject({
      code: 'E_FILE_NOT_FOUND',
      path,
      message: `[decodeWithFfmpeg] file not found: ${path}`,
    });
  });

  it('reports a missing ffmpeg (ffmpegPath option) as E_FFMPEG_MISSING with an install hint', async () => {
    const path = await fixture('tone.mp3');
    const error = await rejection(decodeWithFfmpeg(path, { ffmpegPath: '/nonexistent/bin/ffmpeg' }));
    expect(error.code).toBe('E_FFMPEG_MISSING');
    expect(error.message).toContain('apt-get install ffmpeg');
    expect(error.message).toContain(path);
    expect(error.message).toMatch(/: \/nonexistent\/bin\/ffmpeg$/);
    expect(error.path).toBe(path);
  });

  it(`honours ${FFMPEG_PATH_ENV}`, async () => {
    vi.stubEnv(FFMPEG_PATH_ENV, '/nonexistent/env/ffmpeg');
    const error = await rejection(decodeWithFfmpeg(await fixture('tone.mp3')));
    expect(error.code).toBe('E_FFMPEG_MISSING');
    expect(error.message).toMatch(/: \/nonexistent\/env\/ffmpeg$/);
  });
});

describe('PcmS16Collector', () => {
  it('reassembles samples split across chunks at any byte boundary, scaled by 1/32768', () => {
    const values = Int16Array.from({ length: 1001 }, (_, i) => Math.round(Math.sin(i) * 32767));
    const bytes = Buffer.from(values.buffer);
    const collector = new PcmS16Collector();
    for (let offset = 0, size = 1; offset < bytes.byteLength; offset += size, size = (size % 7) + 1) {
      collector.push(bytes.subarray(offset, offset + size));
    }
    expect(collector.finish()).toEqual(Float32Array.from(values, (value) => value / 32768));
  });

  it('maps full scale to [-1, 1) and drops a trailing partial sample', () => {
    const collector = new PcmS16Collector();
    collector.push(Buffer.from(Int16Array.of(-32768, 32767, 0).buffer));
    collector.push(Buffer.from([1]));
    expect(Array.from(collector.finish())).toEqual([-1, 32767 / 32768, 0]);
  });
});
