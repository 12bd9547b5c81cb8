/** Test-only access to the shared speech recordings (../shared/speech beside the repository, see shared/README.md). */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readWav } from '@verbatim/audio';
import type { AudioBuffer } from '@verbatim/core';

export const SPEECH_DIR = fileURLToPath(new URL('../../../../../shared/speech/', import.meta.url));

/** A WAV recording under SPEECH_DIR, decoded to mono float32 at its own rate. */
export function readSpeech(path: string): AudioBuffer {
  return readWav(readFileSync(`${SPEECH_DIR}${path}`), { path }).audio;
}

/** The manifest's rows (set, path, sample rate) for WAV files at `sampleRateHz`. */
export function speechWavs(sampleRateHz: number): { set: string; path: string }[] {
  const [, ...rows] = readFileSync(`${SPEECH_DIR}manifest.tsv`, 'utf8').trim().split('\n');
  return rows
    .map((row) => row.split('\t'))
    .filter((cols) => cols[1]!.endsWith('.wav') && Number(cols[3]) === sampleRateHz)
    .map((cols) => ({ set: cols[0]!, path: cols[1]! }));
}

/**
 * About `durationS` of 16 kHz speech: the 16 kHz WAV recordings in manifest order, each followed by a silence of
 * 0.2 … 2.9 s (varying, so pauses fall everywhere relative to 30 s pieces), repeated until long enough.
 */
export function longSpeech(durationS: number): Float32Array {
  const clips = speechWavs(16000).map(({ path }) => readSpeech(path).samples);
  const total = Math.round(durationS * 16000);
  const out = new Float32Array(total);
  for (let offset = 0, i = 0; offset < total; i++) {
    const clip = clips[i % clips.length]!;
    out.set(clip.subarray(0, Math.min(clip.length, total - offset)), offset);
    offset += clip.length + 3200 + ((i * 7001) % 43_200);
  }
  return out;
}

/** Windows done, as an onProgress callback reported them, with the total it reported. */
export interface ReportedProgress {
  readonly done: number[];
  total: number | undefined;
}

/** An onProgress callback that records into `reported`. */
export function recordProgress(reported: ReportedProgress) {
  return (windowsDone: number, windowsTotal: number): void => {
    reported.done.push(windowsDone);
    reported.total = windowsTotal;
  };
}

/** Progress that only grew and ended at `windows`, each report naming `windows` as the total. */
export function progressReachedAll(reported: ReportedProgress, windows: number): boolean {
  const { done, total } = reported;
  return total === windows && done.at(-1) === windows && done.every((d, i) => i === 0 || d >= done[i - 1]!);
}
