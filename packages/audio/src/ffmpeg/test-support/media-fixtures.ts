/**
 * Media files made at test time by ffmpeg's lavfi sources: the same tone in each container/codec the ffmpeg path
 * must read, a video with and one without an audio track, and a text file posing as audio.
 */

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isVerbatimError, type VerbatimError } from '@verbatim/core';
import { afterAll, beforeAll } from 'vitest';
import { ffmpeg, makeTempDir } from './media-tools.js';

/** 1.536 s = 72 AAC frames of 1024 samples at 48 kHz: AAC's end padding then falls on a frame boundary. */
export const TONE_DURATION_S = 1.536;
export const TONE_RATE_HZ = 48_000;
/** lavfi's sine source has amplitude 1/8, so an RMS of 0.125/√2. */
export const TONE_RMS = 0.125 / Math.SQRT2;

const TONE = [
  '-f',
  'lavfi',
  '-i',
  `sine=frequency=440:sample_rate=${TONE_RATE_HZ}:duration=${TONE_DURATION_S}`,
];
const PICTURE = ['-f', 'lavfi', '-i', `testsrc=size=64x48:rate=10:duration=${TONE_DURATION_S}`];

/** ffmpeg arguments (before the output path) for each fixture, by file name. */
const RECIPES = {
  'tone.mp3': [...TONE, '-c:a', 'libmp3lame', '-b:a', '64k'],
  'tone.flac': [...TONE, '-c:a', 'flac'],
  'tone.opus': [...TONE, '-c:a', 'libopus', '-b:a', '32k'],
  'tone.m4a': [...TONE, '-c:a', 'aac', '-b:a', '64k'],
  'tone.webm': [...TONE, '-c:a', 'libopus', '-b:a', '32k'],
  /** Left and right in opposite phase: their average is silence. */
  'opposite-phase.flac': [
    ...['-f', 'lavfi', '-i', `aevalsrc=sin(880*PI*t)|-sin(880*PI*t):s=${TONE_RATE_HZ}:d=${TONE_DURATION_S}`],
    ...['-c:a', 'flac'],
  ],
  'video.mp4': [...PICTURE, ...TONE, '-c:v', 'mpeg4', '-c:a', 'aac', '-b:a', '64k'],
  'silent-video.mp4': [...PICTURE, '-c:v', 'mpeg4'],
} as const satisfies Record<string, readonly string[]>;

export type MediaFixture = keyof typeof RECIPES | 'not-audio.wav';

export interface MediaFixtures {
  /** A fixture's path, once it exists; each is made on first request, at most once. */
  fixture(name: MediaFixture): Promise<string>;
  /** A path for a file of the test's own in the same temporary directory. */
  tempPath(name: string): string;
}

/**
 * For a test file: a temporary directory made before its tests and removed after them, where fixtures are created
 * on demand.
 */
export function useMediaFixtures(): MediaFixtures {
  let temp: Awaited<ReturnType<typeof makeTempDir>> | undefined;
  beforeAll(async () => {
    temp = await makeTempDir();
  });
  afterAll(() => temp?.remove());
  const dir = () => {
    if (temp === undefined) throw new Error('media fixtures are only available inside tests');
    return temp.dir;
  };
  const made = new Map<MediaFixture, Promise<string>>();
  const fixture = (name: MediaFixture) => {
    let path = made.get(name);
    if (path === undefined) {
      const target = join(dir(), name);
      path = (
        name === 'not-audio.wav'
          ? writeFile(target, 'This is a text file, not a recording.\n')
          : ffmpeg(...RECIPES[name], target)
      ).then(() => target);
      made.set(name, path);
    }
    return path;
  };
  return { fixture, tempPath: (name) => join(dir(), name) };
}

/** The VerbatimError a promise rejects with; fails the test if it resolves or rejects with anything else. */
export async function rejection(promise: Promise<unknown>): Promise<VerbatimError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!isVerbatimError(error)) throw new Error(`expected a VerbatimError, got ${String(error)}`);
  return error;
}

/** Root mean square of a signal. */
export function rms(samples: Float32Array): number {
  return Math.sqrt(samples.reduce((sum, value) => sum + value * value, 0) / samples.length);
}
