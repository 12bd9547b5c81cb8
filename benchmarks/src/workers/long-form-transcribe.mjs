// @ts-check
/**
 * One long-form transcription with @verbatim/pipeline, in a process of its own (so its peak resident set is its own).
 * Usage: node long-form-transcribe.mjs <wav> <model> <vad|sequential> <threads|auto> <transcript out.json>
 *        [<chunks out.json>]
 * Prints one line `RESULT {json}` with seconds:
 *   loadS        Transcriber.create(): options resolved, the Whisper model loaded (and Silero in vad mode) — not
 *                part of the timed transcription;
 *   readS        loadAudio(wav): the WAV decoded to 16 kHz float32;
 *   toInfoS      transcriber.transcribe(samples) until it resolves: in vad mode Silero over the whole file and the
 *                merging into chunks, then the language vote (3 windows) unless the model is English-only;
 *   decodeS      iterating the segments to the end: log-mel, encoder, decoder and segment building of every window;
 *   totalS       readS + toInfoS + decodeS: file → transcript, the headline;
 *   firstSegmentS from the start of readS to the first segment;
 *   peakRssBytes the process's maximum resident set after the transcription (Node runtime included);
 *   stageTimes   the pipeline's own stage times (info.stageTimes: VAD, language, log-mel+encode, decode).
 * The segments go to <transcript out.json> as verbatim's JSON output (core's formatJson). With <chunks out.json>
 * (vad mode), the VAD is run again afterwards, outside the timed region, with the run's resolved VAD options, and
 * its chunks and its time (vadS) are written there and reported.
 */
import { writeFileSync } from 'node:fs';
import { loadAudio } from '@verbatim/audio';
import { formatJson } from '@verbatim/core';
import { Transcriber } from '@verbatim/pipeline';
import { speechChunks } from '../long-form/speech-chunks.mjs';

const [wavPath, modelPath, mode, threadsArg, transcriptPath, chunksPath] = process.argv.slice(2);
if (transcriptPath === undefined || (mode !== 'vad' && mode !== 'sequential')) {
  throw new Error(
    'usage: long-form-transcribe.mjs <wav> <model> <vad|sequential> <threads|auto> <transcript.json> [<chunks.json>]',
  );
}
const seconds = (/** @type {number} */ since) => (performance.now() - since) / 1000;

let start = performance.now();
const transcriber = await Transcriber.create({
  model: modelPath,
  mode,
  ...(threadsArg !== 'auto' && { threads: Number(threadsArg) }),
});
const loadS = seconds(start);

start = performance.now();
const { samples } = await loadAudio(/** @type {string} */ (wavPath));
const readS = seconds(start);
const infoStart = performance.now();
const { info, segments } = await transcriber.transcribe(samples);
const toInfoS = seconds(infoStart);
const decodeStart = performance.now();
/** @type {import('@verbatim/core').Segment[]} */
const collected = [];
let firstSegmentS = Number.NaN;
for await (const segment of segments) {
  if (collected.length === 0) firstSegmentS = seconds(start);
  collected.push(segment);
}
const decodeS = seconds(decodeStart);
const totalS = seconds(start);
const peakRssBytes = process.resourceUsage().maxRSS * 1024;

writeFileSync(transcriptPath, formatJson({ info, segments: collected }));
let vad;
if (chunksPath !== undefined && info.options.vad !== undefined) {
  const found = await speechChunks(samples, info.options.vad);
  const chunks = found.chunks.map(({ startSample, endSample, sourceSpans }) => ({
    startSample,
    endSample,
    sourceSpans,
  }));
  writeFileSync(chunksPath, JSON.stringify(chunks));
  vad = { vadS: found.seconds, chunks: chunks.length };
}
const { modelInfo } = transcriber;
await transcriber.dispose();

console.log(
  `RESULT ${JSON.stringify({
    loadS,
    readS,
    toInfoS,
    decodeS,
    totalS,
    firstSegmentS,
    peakRssBytes,
    stageTimes: { ...info.stageTimes },
    segments: collected.length,
    audioS: info.durationS,
    audioAfterVadS: info.durationAfterVadS,
    language: info.language,
    languageProbability: info.languageProbability,
    options: { ...info.options },
    engine: { backend: modelInfo.backend, weightDtype: modelInfo.weightDtype, threads: modelInfo.threads },
    ...vad,
  })}`,
);
