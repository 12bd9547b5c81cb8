/**
 * Seeded random Whisper weights (the reference harness's generator) in a temporary folder: a real model for the
 * engine, whose outputs are meaningless but deterministic. Tests check the pipeline's mechanics with it, never text.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadReferenceFixture, writeLayout } from '@verbatim/reference';

export interface SeededWhisper {
  readonly path: string;
  remove(): void;
}

/** Hugging Face layout, f32, with the seed of the reference fixtures. */
export function writeSeededWhisper(architecture = 'tiny'): SeededWhisper {
  const dir = mkdtempSync(join(tmpdir(), `verbatim-pipeline-${architecture}-`));
  writeLayout(dir, { architecture, layout: 'hf', seed: loadReferenceFixture('tiny').seed });
  return { path: dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
