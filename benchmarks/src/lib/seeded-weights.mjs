// @ts-check
/**
 * The inputs every CPU benchmark shares: the shared/ folder (speech files) and seeded random weights of real Whisper
 * architectures (@verbatim/reference's writeLayout), written once into the git-ignored benchmarks/.cache/weights.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeLayout } from '@verbatim/reference';

export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const REPO_ROOT = resolve(PACKAGE_DIR, '..');
export const CACHE_DIR = join(PACKAGE_DIR, '.cache');
/** The seed of every benchmark model: the same weights in every run and for every implementation. */
export const WEIGHTS_SEED = 1234;
/** JFK's inaugural address excerpt, 11.0 s, 16 kHz mono 16-bit WAV (also .flac and .mp3 beside it). */
export const JFK_WAV = 'speech/jfk/jfk.wav';

/** The shared/ folder: $VERBATIM_SHARED, or shared/ beside or inside the repository. @throws Error when none holds JFK_WAV. */
export function sharedDir() {
  const fromEnvironment = process.env.VERBATIM_SHARED;
  const candidates = [
    ...(fromEnvironment ? [fromEnvironment] : []),
    join(REPO_ROOT, '..', 'shared'),
    join(REPO_ROOT, 'shared'),
  ];
  const found = candidates.find((candidate) => existsSync(join(candidate, JFK_WAV)));
  if (found === undefined) throw new Error(`no shared/${JFK_WAV} found; set VERBATIM_SHARED`);
  return found;
}

/**
 * The whisper.cpp ggml file of (architecture, dtype) with seed WEIGHTS_SEED, written on first use (a few seconds for
 * tiny, about 20 s for base). Our engine and whisper.cpp both load this same file.
 * @param {string} model an architecture name of @verbatim/reference ('tiny', 'base', …)
 * @param {'f32' | 'f16'} dtype
 */
export function seededGgmlWeights(model, dtype) {
  const dir = join(CACHE_DIR, 'weights', `${model}-ggml-${dtype}-seed${WEIGHTS_SEED}`);
  const file = join(dir, dtype === 'f32' ? 'ggml-model-f32.bin' : 'ggml-model.bin');
  const done = join(dir, '.complete');
  if (!existsSync(done)) {
    process.stderr.write(`writing ${model} ggml-${dtype} (seed ${WEIGHTS_SEED}) … `);
    const [written] = writeLayout(dir, { layout: `ggml-${dtype}`, architecture: model, seed: WEIGHTS_SEED });
    if (written !== file) throw new Error(`writeLayout wrote ${written}, expected ${file}`);
    writeFileSync(done, '');
    process.stderr.write('done\n');
  }
  return file;
}
