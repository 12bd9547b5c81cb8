/**
 * Where the ffmpeg and ffprobe executables are: an explicit option wins, then the environment, then the PATH.
 */

/** Environment variable naming the ffmpeg executable (a path, or a name looked up on PATH). */
export const FFMPEG_PATH_ENV = 'VERBATIM_FFMPEG';
/** Environment variable naming the ffprobe executable. */
export const FFPROBE_PATH_ENV = 'VERBATIM_FFPROBE';

export interface FfmpegBinaryOptions {
  /** ffmpeg executable; default: $VERBATIM_FFMPEG, else `ffmpeg` on PATH. */
  ffmpegPath?: string;
  /** ffprobe executable; default: $VERBATIM_FFPROBE, else `ffprobe` on PATH. */
  ffprobePath?: string;
}

/** The ffmpeg or ffprobe executable to run. */
export interface FfmpegTool {
  readonly name: 'ffmpeg' | 'ffprobe';
  readonly binaryPath: string;
  /** The environment variable and option that override binaryPath, named in "not found" errors. */
  readonly envVar: string;
  readonly option: keyof FfmpegBinaryOptions;
}

/** Resolves the ffmpeg executable from options, then $VERBATIM_FFMPEG, then `ffmpeg`. Empty strings count as unset. */
export function resolveFfmpeg(options: FfmpegBinaryOptions = {}, env = process.env): FfmpegTool {
  return resolve('ffmpeg', options.ffmpegPath, FFMPEG_PATH_ENV, 'ffmpegPath', env);
}

/** Resolves the ffprobe executable from options, then $VERBATIM_FFPROBE, then `ffprobe`. */
export function resolveFfprobe(options: FfmpegBinaryOptions = {}, env = process.env): FfmpegTool {
  return resolve('ffprobe', options.ffprobePath, FFPROBE_PATH_ENV, 'ffprobePath', env);
}

function resolve(
  name: FfmpegTool['name'],
  fromOption: string | undefined,
  envVar: string,
  option: FfmpegTool['option'],
  env: NodeJS.ProcessEnv,
): FfmpegTool {
  const binaryPath = fromOption || env[envVar] || name;
  return { name, binaryPath, envVar, option };
}
