/**
 * Describes the first audio stream of any file ffprobe reads, without decoding it.
 */

import { AudioDecodeError } from '@verbatim/core';
import type { AudioFormatInfo } from '../load-audio-format.js';
import { type FfmpegBinaryOptions, resolveFfprobe } from './ffmpeg-binaries.js';
import { noAudioStreamError, toolFailedError } from './ffmpeg-errors.js';
import { ffmpegInputUrl } from './ffmpeg-input.js';
import { runFfmpegTool } from './run-ffmpeg-tool.js';

const OPERATION = 'probeWithFfprobe';

/** The fields of `ffprobe -print_format json` this module reads; ffprobe omits what it does not know. */
interface FfprobeReport {
  streams?: {
    codec_name?: string;
    sample_rate?: string;
    channels?: number;
    bits_per_sample?: number;
    bits_per_raw_sample?: string;
    duration?: string;
  }[];
  format?: { format_name?: string; duration?: string };
}

/**
 * Runs `ffprobe -print_format json -show_format -show_streams -select_streams a:0` on a file.
 * @returns the container (ffprobe's format_name, e.g. `mov,mp4,m4a,3gp,3g2,mj2`), codec, rate and channels of the
 *   first audio stream; durationS from the stream, else the container, else undefined (it may include encoder
 *   priming or padding that decoding trims); frameCount undefined.
 * @throws AudioDecodeError E_FFMPEG_MISSING (no ffprobe executable), E_NO_AUDIO_STREAM, E_AUDIO_FORMAT (names
 *   ffprobe's last stderr line), E_FFMPEG_FAILED; FileError E_FILE_NOT_FOUND / E_FILE_READ.
 */
export async function probeWithFfprobe(
  path: string,
  options: FfmpegBinaryOptions = {},
): Promise<AudioFormatInfo> {
  const ffprobe = resolveFfprobe(options);
  const args = [
    '-hide_banner',
    ...['-loglevel', 'error'],
    ...['-print_format', 'json'],
    '-show_format',
    '-show_streams',
    ...['-select_streams', 'a:0'],
    ffmpegInputUrl(path),
  ];
  const chunks: Buffer[] = [];
  const exit = await runFfmpegTool(ffprobe, args, path, OPERATION, (chunk) => chunks.push(chunk));
  if (exit.exitCode !== 0) throw toolFailedError(ffprobe, path, OPERATION, exit);

  let report: FfprobeReport;
  try {
    report = JSON.parse(Buffer.concat(chunks).toString('utf8')) as FfprobeReport;
  } catch (cause) {
    throw new AudioDecodeError(
      'E_FFMPEG_FAILED',
      `[${OPERATION}] ffprobe printed a report that is not JSON: ${path}`,
      {
        path,
        cause,
      },
    );
  }
  const stream = report.streams?.[0];
  if (stream === undefined) throw noAudioStreamError(OPERATION, path);

  const sampleRateHz = Number(stream.sample_rate ?? 0);
  const bits = stream.bits_per_sample || Number(stream.bits_per_raw_sample ?? 0);
  return {
    container: report.format?.format_name ?? 'unknown',
    codec: stream.codec_name ?? 'unknown',
    sampleRateHz,
    channels: stream.channels ?? 0,
    bitsPerSample: bits > 0 ? bits : undefined,
    // Stream lengths in ffprobe may include encoder priming (Ogg Opus counts its pre-skip), so no exact count.
    frameCount: undefined,
    durationS: parseSeconds(stream.duration) ?? parseSeconds(report.format?.duration),
  };
}

function parseSeconds(value: string | undefined): number | undefined {
  const seconds = value === undefined ? Number.NaN : Number.parseFloat(value);
  return Number.isFinite(seconds) ? seconds : undefined;
}
