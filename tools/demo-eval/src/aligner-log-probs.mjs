#!/usr/bin/env node
// @ts-check
/**
 * The CTC aligner's log-probabilities for a corpus split, computed by onnxruntime-node from the shipped model.onnx —
 * the runtime the alignment package uses — for tools/aligner/score_log_probs.py to align and score.
 *
 *   node tools/demo-eval/src/aligner-log-probs.mjs --model models/verbatim-demo-ctc/model.onnx --corpus DIR \
 *       --out DIR [--split align]
 *
 * Writes DIR/log_probs.f32 (float32, [frames, vocab] per utterance, back to back) and DIR/index.jsonl.
 */
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';
import { readSplit } from './synth-corpus.mjs';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    corpus: { type: 'string' },
    out: { type: 'string' },
    split: { type: 'string', default: 'align' },
  },
});
if (!values.model || !values.corpus || !values.out) {
  console.error('usage: aligner-log-probs.mjs --model model.onnx --corpus DIR --out DIR [--split align]');
  process.exit(2);
}
const session = await ort.InferenceSession.create(values.model, { intraOpNumThreads: 2 });
const clips = readSplit(values.corpus, /** @type {string} */ (values.split));
if (clips.length === 0) throw new Error(`${values.corpus} has no '${values.split}' utterances`);
mkdirSync(values.out, { recursive: true });
const fd = openSync(join(values.out, 'log_probs.f32'), 'w');
const index = [];
let offset = 0;
try {
  for (const clip of clips) {
    const audio = new ort.Tensor('float32', clip.samples, [1, clip.samples.length]);
    const { log_probs: logProbs } = await session.run({ audio });
    const [, frames, vocab] = logProbs.dims;
    const data = /** @type {Float32Array} */ (logProbs.data);
    writeSync(fd, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    index.push(JSON.stringify({ id: clip.id, frames, vocab, offset }));
    offset += data.length;
  }
} finally {
  closeSync(fd);
  await session.release();
}
writeFileSync(join(values.out, 'index.jsonl'), `${index.join('\n')}\n`);
console.log(`${clips.length} utterances, ${offset} log-probabilities -> ${values.out}`);
