/**
 * Errors with stable codes. Every error the project throws on purpose is a VerbatimError whose `code` callers can
 * switch on and whose message reads `[operation] what was wrong: value`, naming the offending value or file.
 */

export const ERROR_CODES = [
  'E_INVALID_ARG',
  'E_FILE_NOT_FOUND',
  'E_FILE_EMPTY',
  'E_FILE_READ',
  'E_FILE_WRITE',
  'E_AUDIO_FORMAT',
  'E_AUDIO_CORRUPT',
  'E_NO_AUDIO_STREAM',
  'E_FFMPEG_MISSING',
  'E_FFMPEG_FAILED',
  'E_MODEL_LOAD',
  'E_OOM',
  'E_DISPOSED',
  'E_BACKEND',
  'E_INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface VerbatimErrorOptions {
  /** The file the error concerns, when there is one. */
  path?: string;
  cause?: unknown;
}

export class VerbatimError extends Error {
  readonly code: ErrorCode;
  readonly path: string | undefined;

  constructor(code: ErrorCode, message: string, options: VerbatimErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.path = options.path;
  }
}

/** A caller passed a value the API cannot accept (wrong type, out of range, unknown name). */
export class InvalidArgumentError extends VerbatimError {
  constructor(message: string, options?: VerbatimErrorOptions) {
    super('E_INVALID_ARG', message, options);
  }
}

/** A file could not be opened, read or written. */
export class FileError extends VerbatimError {}

/** Audio could not be decoded: unsupported or corrupt data, no audio stream, or ffmpeg missing or failing. */
export class AudioDecodeError extends VerbatimError {}

/** A model could not be loaded: missing files, wrong format, missing or mis-shaped tensors. */
export class ModelLoadError extends VerbatimError {
  constructor(message: string, options?: VerbatimErrorOptions) {
    super('E_MODEL_LOAD', message, options);
  }
}

/** The native engine failed: out of memory, a backend error, or use after dispose(). */
export class EngineError extends VerbatimError {}

const CLASS_BY_CODE: Record<
  ErrorCode,
  new (
    code: ErrorCode,
    message: string,
    options?: VerbatimErrorOptions,
  ) => VerbatimError
> = {
  E_INVALID_ARG: VerbatimError,
  E_FILE_NOT_FOUND: FileError,
  E_FILE_EMPTY: FileError,
  E_FILE_READ: FileError,
  E_FILE_WRITE: FileError,
  E_AUDIO_FORMAT: AudioDecodeError,
  E_AUDIO_CORRUPT: AudioDecodeError,
  E_NO_AUDIO_STREAM: AudioDecodeError,
  E_FFMPEG_MISSING: AudioDecodeError,
  E_FFMPEG_FAILED: AudioDecodeError,
  E_MODEL_LOAD: VerbatimError,
  E_OOM: EngineError,
  E_DISPOSED: EngineError,
  E_BACKEND: EngineError,
  E_INTERNAL: VerbatimError,
};

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/**
 * Turns a code and message (as the native binding reports them) into the matching error class. Unknown codes become
 * E_INTERNAL so a caller's `switch (err.code)` stays exhaustive.
 */
export function errorFromCode(code: string, message: string, options?: VerbatimErrorOptions): VerbatimError {
  if (!isErrorCode(code))
    return new VerbatimError('E_INTERNAL', `${message} (unknown error code ${code})`, options);
  if (code === 'E_INVALID_ARG') return new InvalidArgumentError(message, options);
  if (code === 'E_MODEL_LOAD') return new ModelLoadError(message, options);
  return new CLASS_BY_CODE[code](code, message, options);
}

export function isVerbatimError(value: unknown): value is VerbatimError {
  return value instanceof VerbatimError;
}
