// @ts-check
/** What a benchmark record says about where and on what it ran: the commit, the machine, the load. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';

/**
 * The short commit of `repoRoot`'s HEAD, with `-dirty` when tracked files differ from it; 'unknown' outside git.
 * @param {string} repoRoot
 */
export function gitCommit(repoRoot) {
  const git = (/** @type {string[]} */ args) =>
    execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).trim();
  try {
    const sha = git(['rev-parse', '--short=12', 'HEAD']);
    return git(['status', '--porcelain', '--untracked-files=no']) ? `${sha}-dirty` : sha;
  } catch {
    return 'unknown';
  }
}

/** The 1, 5 and 15 minute load averages, to two decimals. */
export function loadAverage() {
  return os.loadavg().map((value) => Math.round(value * 100) / 100);
}

/** The machine: CPU model and count, memory, OS and Node. */
export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown CPU',
    logical_cpus: cpus.length,
    memory_bytes: os.totalmem(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    hostname: os.hostname(),
    node: process.version,
  };
}

/**
 * What decides the engine's speed relative to plain JavaScript on this CPU: its model name and the vector extensions
 * the engine's kernels and BLAS pick (Linux /proc/cpuinfo flags; false elsewhere). The gate compares only like with
 * like: a baseline taken with AVX-512 says nothing about an AVX2-only machine.
 */
export function cpuSignature() {
  let flags = '';
  try {
    flags = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '';
  } catch {
    flags = '';
  }
  const has = (/** @type {string} */ flag) => ` ${flags} `.includes(` ${flag} `);
  return { model: os.cpus()[0]?.model.trim() ?? 'unknown CPU', avx2: has('avx2'), avx512f: has('avx512f') };
}
