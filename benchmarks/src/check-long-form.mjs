#!/usr/bin/env node
// @ts-check
/**
 * Checks a transcript of the long-form recording against its reference: overall WER, utterances lost or duplicated,
 * and the outcomes of the utterances at VAD chunk boundaries (see long-form/check-transcript.mjs).
 *
 *   node benchmarks/src/check-long-form.mjs <reference.json> <transcript.json> [--vad] [--json FILE]
 *
 * <transcript.json>: verbatim's JSON output (`verbatim transcribe FILE --output-format json`). --vad: recompute the
 * chunks a default 'vad'-mode run decodes (Silero with the pipeline's default VAD options, then mergeChunks) from
 * the reference's WAV, to report the boundaries. --json: also write the summary there. Exit code 0 whatever the
 * findings; 1 when the files cannot be read.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadAudio } from '@verbatim/audio';
import { resolveTranscriptionOptions } from '@verbatim/pipeline';
import { formatJson } from './lib/format-json.mjs';
import { formatCheckSummary, summarizeCheck } from './long-form/check-summary.mjs';
import { checkLongForm } from './long-form/check-transcript.mjs';
import { readLongFormReference, readTranscriptSegments } from './long-form/long-form-files.mjs';
import { speechChunks } from './long-form/speech-chunks.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { vad: { type: 'boolean', default: false }, json: { type: 'string' } },
});
const [referencePath, transcriptPath] = positionals;
if (referencePath === undefined || transcriptPath === undefined) {
  console.error('usage: check-long-form.mjs <reference.json> <transcript.json> [--vad] [--json FILE]');
  process.exit(1);
}
const reference = readLongFormReference(referencePath);
const segments = readTranscriptSegments(transcriptPath);
let chunks;
if (values.vad) {
  const vad = resolveTranscriptionOptions({}).vad;
  if (vad === undefined) throw new Error('the default options have no VAD settings');
  const { samples } = await loadAudio(reference.wavPath);
  ({ chunks } = await speechChunks(samples, vad));
}
const summary = summarizeCheck(
  checkLongForm(reference.utterances, segments, { chunks }),
  reference.utterances,
  reference.sampleRateHz,
);
process.stdout.write(formatCheckSummary(summary));
if (values.json !== undefined) writeFileSync(values.json, formatJson(summary));
