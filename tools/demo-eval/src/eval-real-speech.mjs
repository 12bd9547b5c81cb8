#!/usr/bin/env node
// @ts-check
/**
 * A model's word error rate on the real English recordings of shared/speech, per set, through verbatim as a user runs
 * it (the default pipeline: Silero VAD, batched chunks, temperature fallback; language fixed to English). For the
 * demo model's card, which reports these numbers without a target: the demo model never heard a human voice.
 *
 *   pnpm build && node tools/demo-eval/src/eval-real-speech.mjs [--speech ../shared/speech] [--model DIR] [--out F]
 *
 * Reads manifest.tsv (set, path, lang, sample_rate, channels, duration_s, reference); files in formats the audio
 * package cannot open (raw PCM without a header) are skipped and counted.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EnglishTextNormalizer, wordErrorRate } from '@verbatim/core';
import { Transcriber } from '@verbatim/pipeline';

const { values } = parseArgs({
  options: {
    speech: {
      type: 'string',
      default: join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'speech'),
    },
    model: { type: 'string', default: 'demo' },
    out: { type: 'string' },
  },
});
const speechDir = /** @type {string} */ (values.speech);
const [header, ...lines] = readFileSync(join(speechDir, 'manifest.tsv'), 'utf8').split('\n').filter(Boolean);
const columns = header.split('\t');
const rows = lines
  .map((line) => Object.fromEntries(line.split('\t').map((value, i) => [columns[i], value])))
  .filter((row) => row.lang === 'en' && !row.path.endsWith('.raw'));

const transcriber = await Transcriber.create({ model: values.model, language: 'en', task: 'transcribe' });
const normalize = new EnglishTextNormalizer();
/** @type {Map<string, { refs: string[], hyps: string[], examples: { ref: string, hyp: string }[], seconds: number }>} */
const sets = new Map();
const started = performance.now();
try {
  for (const row of rows) {
    const { segments } = await transcriber.transcribe(join(speechDir, row.path));
    let text = '';
    for await (const segment of segments) text += segment.text;
    const set = sets.get(row.set) ?? { refs: [], hyps: [], examples: [], seconds: 0 };
    set.refs.push(normalize.normalize(row.reference));
    set.hyps.push(normalize.normalize(text));
    set.seconds += Number(row.duration_s);
    if (set.examples.length < 3) set.examples.push({ ref: row.reference, hyp: text.trim() });
    sets.set(row.set, set);
  }
} finally {
  await transcriber.dispose();
}
const report = {
  model: values.model,
  sets: Object.fromEntries(
    [...sets.entries()].map(([name, s]) => [
      name,
      {
        files: s.refs.length,
        audioSeconds: s.seconds,
        wer: wordErrorRate(s.refs, s.hyps).wer,
        examples: s.examples,
      },
    ]),
  ),
  all: wordErrorRate(
    [...sets.values()].flatMap((s) => s.refs),
    [...sets.values()].flatMap((s) => s.hyps),
  ).wer,
  seconds: (performance.now() - started) / 1000,
};
console.log(JSON.stringify(report, null, 1));
if (values.out) writeFileSync(values.out, `${JSON.stringify(report, null, 1)}\n`);
