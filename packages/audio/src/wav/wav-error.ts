import { AudioDecodeError } from '@verbatim/core';

/** Error codes the WAV reader throws. */
export type WavErrorCode = 'E_AUDIO_FORMAT' | 'E_AUDIO_CORRUPT';

/**
 * Builds the reader's errors in the project's `[operation] what was wrong: value` form, the value being the file
 * path, or `<in-memory WAV>` when the bytes did not come from a named file.
 */
export function wavError(code: WavErrorCode, problem: string, path: string | undefined): AudioDecodeError {
  return new AudioDecodeError(code, `[readWav] ${problem}: ${path ?? '<in-memory WAV>'}`, { path });
}
