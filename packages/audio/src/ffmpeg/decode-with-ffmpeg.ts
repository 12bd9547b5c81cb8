/**
 * Decodes any format ffmpeg reads (mp3, flac, ogg/opus, m4a/aac, webm, wma, the audio track of a video, …) to mono
 * float32 at 16 kHz, streaming through an ffmpeg child process with no temporary files. ffmpeg does the down-mix and
 * the resampling, exactly as OpenAI Whisper's `load_audio` asks it to (s16le, then divided by 32768).
 */

import { type AudioBuffer, SAMPLE_RATE_HZ } from '@verbatim/core';
import { type FfmpegBinaryOptions, resolveFfmpeg } from './ffmpeg-binaries.js';
import { toolFailedError } from './ffmpeg-errors.js';
import { type FfmpegInput, ffmpegInputUrl } from './ffmpeg-input.js';
import { runFfmpegTool } from './run-ffmpeg-tool.js';
import { FFMPEG_PCM_FORMAT, PcmS16Collector } from './s16-collector.js';

const OPERATION = 'decodeWithFfmpeg';

/** The ffmpeg command line for one input. */
export function ffmpegDecodeArgs(input: FfmpegInput): string[] {
  return [
    // Never read the terminal for commands (stdin may carry the input itself).
    '-nostdin',
    '-hide_banner',
    ...['-loglevel', 'error'],
    // Only local files and pipes: a playlist inside an untrusted upload must not make ffmpeg fetch URLs.
    ...['-protocol_whitelist', 'file,pipe'],
    ...['-i', ffmpegInputUrl(input)],
    // The first audio stream only; video, subtitles and data are dropped.
    '-vn',
    ...['-map', '0:a:0'],
    // One channel (ffmpeg's down-mix) at Whisper's 16000 Hz.
    ...['-ac', '1'],
    ...['-ar', String(SAMPLE_RATE_HZ)],
    ...['-f', FFMPEG_PCM_FORMAT],
    'pipe:1',
  ];
}

/**
 * Decodes a media file, or a whole file's bytes, to mono 16 kHz float32 (16-bit precision, as the reference). The returned samples are ffmpeg's output
 * (priming and padding trimmed when the container records them).
 * @param input a file path (passed to ffmpeg, never read here), or the file's bytes (piped to ffmpeg's stdin;
 *   formats that need seeking, such as MP4 with its index at the end, may not decode from a pipe).
 * @throws AudioDecodeError E_FFMPEG_MISSING (no ffmpeg executable), E_NO_AUDIO_STREAM, E_AUDIO_FORMAT (ffmpeg cannot
 *   read the data; names its last stderr line), E_FFMPEG_FAILED (anything else);
 *   FileError E_FILE_NOT_FOUND / E_FILE_READ when ffmpeg cannot open the path.
 */
export async function decodeWithFfmpeg(
  input: FfmpegInput,
  options: FfmpegBinaryOptions = {},
): Promise<AudioBuffer> {
  const ffmpeg = resolveFfmpeg(options);
  const collector = new PcmS16Collector();
  const exit = await runFfmpegTool(ffmpeg, ffmpegDecodeArgs(input), input, OPERATION, (chunk) =>
    collector.push(chunk),
  );
  if (exit.exitCode !== 0) throw toolFailedError(ffmpeg, input, OPERATION, exit);
  return { samples: collector.finish(), sampleRateHz: SAMPLE_RATE_HZ };
}
