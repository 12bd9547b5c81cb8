#!/usr/bin/env node
// @ts-check
/**
 * The demo model's word error rate on a synthesized test split, through verbatim alone (no GPU, no transformers),
 * overall and per recording condition (engine / hardest augmentation, as tools/train/train.py's `condition`).
 *
 *   pnpm build && node tools/demo-eval/src/eval-synth-test.mjs --corpus DIR [--model DIR] [--n 1000] [--split test]
 *       [--out F]
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

const { values } = parseArgs({
  options: {
    corpus: { type: 'string' },
    model: { type: 'string', default: 'demo' },
    n: { type: 'string', default: '1000' },
    split: { type: 'string', default: 'test' },
    out: { type: 'string' },
  },
});
if (!values.corpus) {
  console.error('usage: eval-synth-test.mjs --corpus DIR [--model DIR] [--n N] [--split test] [--out F]');
  process.exit(2);
}

/**
 * One utterance's recording condition: its engine and its hardest augmentation.
 * @param {{ voice?: { engine?: string }, augment?: { op: string, snr_db?: number }[] }} entry
 */
export function conditionOf(entry) {
  const ops = new Map((entry.augment ?? []).map((a) => [a.op, a]));
  const noise = ops.get('noise');
  let kind = 'clean';
  if (noise) kind = (noise.snr_db ?? 0) < 10 ? 'noise<10dB' : 'noise>=10dB';
  else if (ops.has('reverb')) kind = 'reverb';
  else if (ops.has('telephone')) kind = 'telephone';
  else if (ops.has('clip')) kind = 'clip';
  return `${entry.voice?.engine ?? '?'}/${kind}`;
}

const manifest = new Map(
  readFileSync(join(values.corpus, 'manifest.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .map((entry) => [entry.id, entry]),
);
const clips = readSplit(values.corpus, /** @type {string} */ (values.split), Number(values.n));
const transcriber = await evalTranscriber(values.model);
const normalize = new EnglishTextNormalizer();
/** @type {{ id: string, condition: string, ref: string, hyp: string }[]} */
const rows = [];
const started = performance.now();
try {
  for (const clip of clips) {
    const { segments } = await transcriber.transcribe(clip.samples);
    let text = '';
    for await (const segment of segments) text += segment.text;
    const condition = conditionOf(manifest.get(clip.id));
    rows.push({
      id: clip.id,
      condition,
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
/** @type {Map<string, typeof rows>} */
const groups = new Map();
for (const row of rows) {
  for (const key of [row.condition, `*/${row.condition.split('/')[1]}`]) {
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
}
const byCondition = Object.fromEntries(
  [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, g]) => [k, { n: g.length, wer: werOf(g) }]),
);
const report = {
  model: values.model,
  clips: rows.length,
  wer: werOf(rows),
  byCondition,
  seconds: (performance.now() - started) / 1000,
};
console.log(JSON.stringify(report, null, 1));
if (values.out) writeFileSync(values.out, `${JSON.stringify({ ...report, rows }, null, 1)}\n`);
