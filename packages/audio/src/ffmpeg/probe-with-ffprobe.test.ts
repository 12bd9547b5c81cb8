import { afterEach, describe, expect, it, vi } from 'vitest';
import { FFPROBE_PATH_ENV } from './ffmpeg-binaries.js';
import { probeWithFfprobe } from './probe-with-ffprobe.js';
import { rejection, TONE_DURATION_S, TONE_RATE_HZ, useMediaFixtures } from './test-support/media-fixtures.js';

const { fixture, tempPath } = useMediaFixtures();
afterEach(() => {
  vi.unstubAllEnvs();
});

describe('probeWithFfprobe', () => {
  it('describes a lossless stream', async () => {
    expect(await probeWithFfprobe(await fixture('opposite-phase.flac'))).toEqual({
      container: 'flac',
      codec: 'flac',
      sampleRateHz: TONE_RATE_HZ,
      channels: 2,
      // aevalsrc makes doubles, which ffmpeg's FLAC encoder keeps at 24 bits.
      bitsPerSample: 24,
      frameCount: undefined,
      durationS: TONE_DURATION_S,
    });
  });

  it.each([
    ['tone.mp3', 'mp3', 'mp3'],
    ['tone.opus', 'ogg', 'opus'],
    ['video.mp4', 'mov,mp4,m4a,3gp,3g2,mj2', 'aac'],
  ] as const)('describes the audio stream of %s', async (name, container, codec) => {
    const format = await probeWithFfprobe(await fixture(name));
    expect(format).toMatchObject({ container, codec, channels: 1, bitsPerSample: undefined });
    // Container durations may count encoder padding; the decoder trims it.
    expect(format.durationS).toBeCloseTo(TONE_DURATION_S, 1);
  });

  it('reports a video without audio as E_NO_AUDIO_STREAM', async () => {
    const path = await fixture('silent-video.mp4');
    const error = await rejection(probeWithFfprobe(path));
    expect(error).toMatchObject({
      code: 'E_NO_AUDIO_STREAM',
      path,
      message: `[probeWithFfprobe] no audio stream in the input: ${path}`,
    });
  });

  it('reports data ffprobe cannot read as E_AUDIO_FORMAT', async () => {
    const path = await fixture('not-audio.wav');
    const error = await rejection(probeWithFfprobe(path));
    expect(error).toMatchObject({
      code: 'E_AUDIO_FORMAT',
      path,
      message: `[probeWithFfprobe] not a recognised audio format (ffprobe: Invalid data found when processing input): ${path}`,
    });
  });

  it('reports a missing file as E_FILE_NOT_FOUND', async () => {
    const path = tempPath('absent.flac');
    expect(await rejection(probeWithFfprobe(path))).toMatchObject({ code: 'E_FILE_NOT_FOUND', path });
  });

  it('reports a missing ffprobe as E_FFMPEG_MISSING, from the option or the environment', async () => {
    const path = await fixture('tone.mp3');
    const fromOption = await rejection(probeWithFfprobe(path, { ffprobePath: '/nonexistent/ffprobe' }));
    expect(fromOption.code).toBe('E_FFMPEG_MISSING');
    expect(fromOption.message).toContain('apt-get install ffmpeg');
    expect(fromOption.message).toMatch(/: \/nonexistent\/ffprobe$/);

    vi.stubEnv(FFPROBE_PATH_ENV, '/nonexistent/env/ffprobe');
    const fromEnv = await rejection(probeWithFfprobe(path));
    expect(fromEnv.code).toBe('E_FFMPEG_MISSING');
    expect(fromEnv.message).toMatch(/: \/nonexistent\/env\/ffprobe$/);
  });
});
