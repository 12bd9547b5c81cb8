// @ts-check
/**
 * The whisper.cpp peer built for this CPU (scripts/build-whisper-cpp.sh): runs its whisper-bench on a ggml file and
 * reads whisper.cpp's own whisper_print_timings. Also the child-process runner both CPU benchmarks use.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { CACHE_DIR } from './seeded-weights.mjs';

export const WHISPER_BENCH = join(CACHE_DIR, 'whisper.cpp-native', 'bin', 'whisper-bench');

/**
 * Runs a command under GNU time for its peak resident set; returns stdout, stderr and the peak in bytes (null without
 * /usr/bin/time). @throws Error naming the command and its output when it exits non-zero.
 * @param {string} command @param {string[]} args
 */
export function runMeasured(command, args) {
  const haveTime = existsSync('/usr/bin/time');
  const scratch = mkdtempSync(join(os.tmpdir(), 'verbatim-bench-'));
  const rssFile = join(scratch, 'maxrss');
  const [file, argv] = haveTime
    ? ['/usr/bin/time', ['-f', '%M', '-o', rssFile, command, ...args]]
    : [command, args];
  const run = spawnSync(file, argv, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const peakKb = haveTime && existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8').trim()) : Number.NaN;
  rmSync(scratch, { recursive: true, force: true });
  if (run.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${run.status}:\n${(run.stderr ?? '').slice(-4000)}${run.stdout}`,
    );
  }
  return {
    stdout: run.stdout,
    stderr: run.stderr,
    peakBytes: Number.isFinite(peakKb) ? peakKb * 1024 : null,
  };
}

/**
 * One of whisper.cpp's whisper_print_timings lines: "encode time = 360.82 ms / 1 runs ( 360.82 ms per run)".
 * @param {string} text @param {string} what @throws Error when the line is missing
 */
export function perRunMs(text, what) {
  const match = new RegExp(
    `${what} time =\\s*[\\d.]+ ms /\\s*(\\d+) runs \\(\\s*([\\d.]+) ms per run\\)`,
  ).exec(text);
  if (match === null) throw new Error(`whisper-bench printed no "${what} time" line:\n${text}`);
  return { runs: Number(match[1]), ms: Number(match[2]) };
}

/**
 * One whisper-bench process on `file` with `threads` threads and flash attention (its default): whisper_encode()
 * (conv + encoder + cross K/V) once after a heat call, 256 single-token decodes, 5-token batches and 256-token prompts.
 * @param {string} file @param {number} threads
 */
export function runWhisperBench(file, threads) {
  const run = runMeasured(WHISPER_BENCH, ['-m', file, '-t', String(threads), '-fa']);
  const log = run.stderr + run.stdout;
  return {
    loadMs: Number(/load time =\s*([\d.]+) ms/.exec(log)?.[1]),
    encodeMs: perRunMs(log, 'encode').ms,
    stepMs: perRunMs(log, 'decode').ms,
    batchdMs: perRunMs(log, 'batchd').ms,
    promptMs: perRunMs(log, 'prompt').ms,
    systemInfo: /system_info: (.*)/.exec(log)?.[1]?.trim() ?? '',
    peakBytes: run.peakBytes,
  };
}
