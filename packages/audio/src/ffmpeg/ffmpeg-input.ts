/**
 * What ffmpeg or ffprobe reads: a file by path, or bytes piped to its stdin.
 */

/** A file path, or the bytes of a whole media file. */
export type FfmpegInput = string | Uint8Array;

/**
 * The URL to pass after `-i`. Paths get the `file:` protocol so that names with a colon (`take:2.mp3`) or a leading
 * dash are never read as another protocol or an option.
 */
export function ffmpegInputUrl(input: FfmpegInput): string {
  return typeof input === 'string' ? `file:${input}` : 'pipe:0';
}

/** The file path, for an error's `path` field; undefined for in-memory input. */
export function ffmpegInputPath(input: FfmpegInput): string | undefined {
  return typeof input === 'string' ? input : undefined;
}

/** How error messages name the input: its path, or its size when it came from memory. */
export function describeFfmpegInput(input: FfmpegInput): string {
  return typeof input === 'string' ? input : `<${input.byteLength} bytes from memory>`;
}
