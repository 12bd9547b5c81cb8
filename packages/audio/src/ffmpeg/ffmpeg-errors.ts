/**
 * Turns ffmpeg/ffprobe failures into VerbatimErrors with stable codes. ffmpeg reports problems only as text, so the
 * mapping matches the messages its demuxers and option parser print (stable across ffmpeg 4 to 7).
 */

import { AudioDecodeError, FileError, type VerbatimError } from '@verbatim/core';
import type { FfmpegTool } from './ffmpeg-binaries.js';
import { describeFfmpegInput, type FfmpegInput, ffmpegInputPath, ffmpegInputUrl } from './ffmpeg-input.js';
import type { ToolExit } from './run-ffmpeg-tool.js';

/** `-map 0:a:0` found nothing to map, or the output ended up with no stream at all. */
const NO_AUDIO_STREAM = /matches no streams|does not contain any stream/i;
/** No demuxer recognised the bytes, or the container is damaged beyond opening, or no decoder exists. */
const NOT_AUDIO =
  /Invalid data found when processing input|moov atom not found|could not find codec parameters|Decoder \(codec [^)]*\) not found|Unknown input format|End of file/i;
const NO_SUCH_FILE = /No such file or directory/i;
const PERMISSION_DENIED = /Permission denied/i;

/** The executable could not be started: missing (ENOENT) or not runnable. */
export function toolNotStartedError(
  tool: FfmpegTool,
  input: FfmpegInput,
  operation: string,
  cause: NodeJS.ErrnoException,
): AudioDecodeError {
  const path = ffmpegInputPath(input);
  const reading = describeFfmpegInput(input);
  if (cause.code === 'ENOENT') {
    return new AudioDecodeError(
      'E_FFMPEG_MISSING',
      `[${operation}] ${tool.name} executable not found, needed to read ${reading} (install it, e.g. ` +
        `apt-get install ffmpeg, or set ${tool.envVar} or the ${tool.option} option): ${tool.binaryPath}`,
      { path, cause },
    );
  }
  return new AudioDecodeError(
    'E_FFMPEG_FAILED',
    `[${operation}] cannot start ${tool.name} (${cause.code ?? cause.message}) to read ${reading}: ${tool.binaryPath}`,
    { path, cause },
  );
}

/**
 * The error for a tool that exited unsuccessfully: E_NO_AUDIO_STREAM, E_AUDIO_FORMAT (naming ffmpeg's last stderr
 * line), E_FILE_NOT_FOUND / E_FILE_READ (path input), else E_FFMPEG_FAILED.
 */
export function toolFailedError(
  tool: FfmpegTool,
  input: FfmpegInput,
  operation: string,
  exit: ToolExit,
): VerbatimError {
  const path = ffmpegInputPath(input);
  const reading = describeFfmpegInput(input);
  const said = `${tool.name}: ${lastStderrLine(exit.stderrTail, input)}`;
  if (NO_AUDIO_STREAM.test(exit.stderrTail)) return noAudioStreamError(operation, input);
  if (path !== undefined && NO_SUCH_FILE.test(exit.stderrTail)) {
    return new FileError('E_FILE_NOT_FOUND', `[${operation}] file not found: ${path}`, { path });
  }
  if (path !== undefined && PERMISSION_DENIED.test(exit.stderrTail)) {
    return new FileError('E_FILE_READ', `[${operation}] cannot read the file (${said}): ${path}`, { path });
  }
  if (NOT_AUDIO.test(exit.stderrTail)) {
    return new AudioDecodeError(
      'E_AUDIO_FORMAT',
      `[${operation}] not a recognised audio format (${said}): ${reading}`,
      { path },
    );
  }
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with status ${exit.exitCode}`;
  return new AudioDecodeError('E_FFMPEG_FAILED', `[${operation}] ${tool.name} ${how} (${said}): ${reading}`, {
    path,
  });
}

/** The input has no audio stream (a silent video, an image, a subtitle file). */
export function noAudioStreamError(operation: string, input: FfmpegInput): AudioDecodeError {
  return new AudioDecodeError(
    'E_NO_AUDIO_STREAM',
    `[${operation}] no audio stream in the input: ${describeFfmpegInput(input)}`,
    { path: ffmpegInputPath(input) },
  );
}

/** The last non-empty stderr line, without the `file:/path: ` prefix ffmpeg puts before input errors. */
function lastStderrLine(stderrTail: string, input: FfmpegInput): string {
  const lines = stderrTail.split(/\r?\n/).filter((line) => line.trim() !== '');
  const last = lines.at(-1)?.trim() ?? 'no error output';
  const prefix = `${ffmpegInputUrl(input)}: `;
  return last.startsWith(prefix) ? last.slice(prefix.length) : last;
}
