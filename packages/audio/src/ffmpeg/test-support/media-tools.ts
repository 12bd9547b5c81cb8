/**
 * Test helpers that make audio fixtures at test time with sox and ffmpeg (no binary fixtures are committed).
 */

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs a command and resolves with its stdout; rejects with its stderr when it fails. */
export function runTool(command: string, args: readonly string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error)
        reject(new Error(`${command} ${args.join(' ')} failed: ${stderr.toString()}`, { cause: error }));
      else resolve(stdout);
    });
  });
}

/** ffmpeg with the flags every fixture command shares. */
export function ffmpeg(...args: string[]): Promise<Buffer> {
  return runTool('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args]);
}

/** sox without dither (-D), so quantisation is plain rounding and round trips stay within half an LSB. */
export function sox(...args: string[]): Promise<Buffer> {
  return runTool('sox', ['-D', ...args]);
}

/** A fresh temporary directory and a function that removes it. */
export async function makeTempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'verbatim-audio-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes little-endian float64 samples as a headerless file for `sox -t raw -e floating-point -b 64`. */
export async function writeRawF64(path: string, samples: readonly number[]): Promise<void> {
  await writeFile(path, new Uint8Array(Float64Array.from(samples).buffer));
}

/** Writes little-endian int16 samples as a headerless file for `-t raw -e signed -b 16` / `-f s16le`. */
export async function writeRawS16(path: string, samples: readonly number[]): Promise<void> {
  await writeFile(path, new Uint8Array(Int16Array.from(samples).buffer));
}

/** ffmpeg's own decode of a file: interleaved float32 at the file's rate and channel count (a reference). */
export async function ffmpegReferenceSamples(inputArgs: readonly string[]): Promise<Float32Array> {
  const bytes = await ffmpeg(...inputArgs, '-f', 'f32le', 'pipe:1');
  // Copy: a Buffer's offset in its pool need not be a multiple of 4.
  return new Float32Array(new Uint8Array(bytes).buffer);
}
