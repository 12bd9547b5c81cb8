#!/usr/bin/env node
// @ts-check
/**
 * The demo model's word error rate on a synthesized test split, through verbatim alone (no GPU, no transformers),
 * overall, per recording condition (engine / hardest augmentation, as tools/train/train.py's `condition`), per text
 * kind (fortune, template, words) and per kind × condition or engine (wer-groups.mjs).
 *
 *   pnpm build && node tools/demo-eval/src/eval-synth-test.mjs --corpus DIR [--model DIR] [--n 1000] [--split test]
 *       [--beam-size 1] [--out F]
 *
 * Decodes each clip as eval_hf.py asks transformers to (one window, English, no timestamps, greedy, no fallback,
 * ≤ 128 new tokens), so its numbers are comparable with eval_hf.json's `test` and `test_by_condition`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EnglishTextNormalizer, wordErrorRate } from '@verbatim/core';
import { evalTranscriber } from './eval-transcriber.mjs';
import { readSplit } from './synth-corpus.mjs';
import { conditionOf, textKindOf, werBreakdowns } from './wer-groups.mjs';

const { values } = parseArgs({
  options: {
    corpus: { type: 'string' },
    model: { type: 'string', default: 'demo' },
    n: { type: 'string', default: '1000' },
    split: { type: 'string', default: 'test' },
    'beam-size': { type: 'string', default: '1' },
    out: { type: 'string' },
  },
});
if (!values.corpus) {
  console.error(
    'usage: eval-synth-test.mjs --corpus DIR [--model DIR] [--n N] [--split test] [--beam-size 1] [--out F]',
  );
  process.exit(2);
}

const manifest = new Map(
  readFileSync(join(values.corpus, 'manifest.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .map((entry) => [entry.id, entry]),
);
const clips = readSplit(values.corpus, /** @type {string} */ (values.split), Number(values.n));
const beamSize = Number(values['beam-size']);
if (!Number.isInteger(beamSize) || beamSize < 1) {
  console.error(`eval-synth-test: --beam-size takes a whole number ≥ 1, got ${values['beam-size']}`);
  process.exit(2);
}
const transcriber = await evalTranscriber(values.model, beamSize);
const normalize = new EnglishTextNormalizer();
/** @type {{ id: string, condition: string, kind: string, ref: string, hyp: string }[]} */
const rows = [];
const started = performance.now();
try {
  for (const clip of clips) {
    const { segments } = await transcriber.transcribe(clip.samples);
    let text = '';
    for await (const segment of segments) text += segment.text;
    const entry = manifest.get(clip.id);
    rows.push({
      id: clip.id,
      condition: conditionOf(entry),
      kind: textKindOf(entry),
      ref: normalize.normalize(clip.text),
      hyp: normalize.normalize(text),
    });
  }
} finally {
  await transcriber.dispose();
}

/** @param {typeof rows} subset */
const werOf = (subset) =>
  wordErrorRate(
    subset.map((r) => r.ref),
    subset.map((r) => r.hyp),
  ).wer;
const report = {
  model: values.model,
  beamSize,
  clips: rows.length,
  wer: werOf(rows),
  ...werBreakdowns(rows),
  seconds: (performance.now() - started) / 1000,
};
console.log(JSON.stringify(report, null, 1));
if (values.out) writeFileSync(values.out, `${JSON.stringify({ ...report, rows }, null, 1)}\n`);
