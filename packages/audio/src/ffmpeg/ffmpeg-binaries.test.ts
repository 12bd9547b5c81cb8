import { describe, expect, it } from 'vitest';
import { FFMPEG_PATH_ENV, FFPROBE_PATH_ENV, resolveFfmpeg, resolveFfprobe } from './ffmpeg-binaries.js';

describe('ffmpeg binary resolution', () => {
  const env = { [FFMPEG_PATH_ENV]: '/env/ffmpeg', [FFPROBE_PATH_ENV]: '/env/ffprobe' };

  it('prefers the option, then the environment, then the PATH', () => {
    expect(resolveFfmpeg({ ffmpegPath: '/opt/ffmpeg' }, env).binaryPath).toBe('/opt/ffmpeg');
    expect(resolveFfmpeg({}, env).binaryPath).toBe('/env/ffmpeg');
    expect(resolveFfmpeg({}, {}).binaryPath).toBe('ffmpeg');
    expect(resolveFfprobe({ ffprobePath: '/opt/ffprobe' }, env).binaryPath).toBe('/opt/ffprobe');
    expect(resolveFfprobe({}, env).binaryPath).toBe('/env/ffprobe');
    expect(resolveFfprobe({}, {}).binaryPath).toBe('ffprobe');
  });

  it('treats empty strings as unset', () => {
    expect(resolveFfmpeg({ ffmpegPath: '' }, { [FFMPEG_PATH_ENV]: '' }).binaryPath).toBe('ffmpeg');
  });
});
