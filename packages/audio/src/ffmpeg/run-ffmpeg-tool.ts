/**
 * Runs ffmpeg or ffprobe as a child process: optional bytes on stdin, stdout handed over chunk by chunk, the tail of
 * stderr kept for error messages. No shell is involved, so paths need no quoting.
 */

import { spawn } from 'node:child_process';
import type { FfmpegTool } from './ffmpeg-binaries.js';
import { toolNotStartedError } from './ffmpeg-errors.js';
import type { FfmpegInput } from './ffmpeg-input.js';

/** 16384 characters of stderr kept: enough for the last few error lines, bounded when a damaged file floods it. */
const STDERR_TAIL_CHARS = 16_384;

export interface ToolExit {
  /** Exit status, or null when the process was killed by a signal. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last STDERR_TAIL_CHARS characters the tool wrote to stderr. */
  readonly stderrTail: string;
}

/**
 * Starts `tool` with `args` and resolves when it has exited and its output is drained, whatever its exit status.
 * @param input bytes are written to the tool's stdin (args must then read `pipe:0`); for a path stdin is closed.
 * @param onStdout receives each stdout chunk in order; chunk sizes are arbitrary.
 * @throws AudioDecodeError E_FFMPEG_MISSING when the executable does not exist, E_FFMPEG_FAILED when it cannot be
 *   started for another reason.
 */
export function runFfmpegTool(
  tool: FfmpegTool,
  args: readonly string[],
  input: FfmpegInput,
  operation: string,
  onStdout: (chunk: Buffer) => void,
): Promise<ToolExit> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool.binaryPath, args, { stdio: 'pipe', windowsHide: true });
    let stderrTail = '';
    let settled = false;

    child.stdout.on('data', onStdout);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      stderrTail = (stderrTail + text).slice(-STDERR_TAIL_CHARS);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      reject(toolNotStartedError(tool, input, operation, error));
    });
    child.on('close', (exitCode, signal) => {
      if (settled) return;
      settled = true;
      resolve({ exitCode, signal, stderrTail });
    });
    // ffmpeg stops reading once it knows the input is unusable; the EPIPE that follows says nothing its exit status
    // and stderr do not say better.
    child.stdin.on('error', () => {});
    if (typeof input === 'string') child.stdin.end();
    else child.stdin.end(input);
  });
}
