#!/usr/bin/env node
// @ts-check
/**
 * Issue 6's demo-model check: verbatim's transcription of the synthesized test clips against transformers' `generate`
 * on the same clips (its per-clip hypotheses come from `tools/train/gpu_run.sh eval-hf`: eval_hf.json).
 *
 *   pnpm build && node tools/demo-eval/src/compare-with-transformers.mjs --corpus DIR --hf eval_hf.json \
 *       [--model models/verbatim-demo-tiny] [--n 1000] [--out report.json]
 *
 * DIR is the same test corpus built here (`python3 tools/synth/build_corpus.py --out DIR --n-utterances 5000
 * --seed 777001 --workers 2 --n-align 0 --shard-size 200`, as gpu_run.sh eval-hf builds it); every clip's audio is
 * checked against the manifest's sha1, so a corpus that differs from the GPU machine's fails loudly. Verbatim decodes
 * each clip as eval_hf.py asked transformers to: one window, English, transcribe, no timestamps, greedy, no
 * temperature fallback, at most 128 new tokens. Prints both word error rates (Whisper's English normaliser) and the
 * share of clips with identical text.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { compareTranscripts } from './compare.mjs';
import { evalTranscriber } from './eval-transcriber.mjs';
import { readSplit } from './synth-corpus.mjs';

const { values } = parseArgs({
  options: {
    corpus: { type: 'string' },
    hf: { type: 'string' },
    model: { type: 'string', default: 'demo' },
    n: { type: 'string', default: '1000' },
    out: { type: 'string' },
  },
});
if (!values.corpus || !values.hf) {
  console.error(
    'usage: compare-with-transformers.mjs --corpus DIR --hf eval_hf.json [--model DIR] [--n N] [--out F]',
  );
  process.exit(2);
}
const hf = JSON.parse(readFileSync(values.hf, 'utf8'));
/** @type {{ id: string, hyp: string }[]} */
const theirs = hf.test_hypotheses ?? [];
if (theirs.length === 0)
  throw new Error(`${values.hf} has no test_hypotheses (made by an older eval_hf.py?)`);
const limit = Math.min(Number(values.n), theirs.length);
const clips = readSplit(values.corpus, 'test', limit);
const transcriber = await evalTranscriber(values.model);
const rows = [];
const started = performance.now();
try {
  for (const [i, clip] of clips.entries()) {
    const expected = theirs[i];
    if (expected?.id !== clip.id)
      throw new Error(`clip ${i}: ${clip.id} here, ${expected?.id} in ${values.hf}`);
    const { segments } = await transcriber.transcribe(clip.samples);
    let text = '';
    for await (const segment of segments) text += segment.text;
    rows.push({ id: clip.id, reference: clip.text, ours: text, theirs: expected.hyp });
  }
} finally {
  await transcriber.dispose();
}
const report = { ...compareTranscripts(rows), seconds: (performance.now() - started) / 1000, hf: values.hf };
const { differing, ...summary } = report;
console.log(JSON.stringify(summary, null, 1));
for (const d of differing.slice(0, 10))
  console.log(`${d.id}\n  verbatim:     ${d.ours}\n  transformers: ${d.theirs}`);
if (values.out) writeFileSync(values.out, `${JSON.stringify(report, null, 1)}\n`);
