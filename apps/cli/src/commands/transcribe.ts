import { mkdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import {
  formatTimestamp,
  formatTranscription,
  isVerbatimError,
  OUTPUT_FORMATS,
  type OutputFormat,
  type Segment,
  VTT_TIMESTAMP_STYLE,
} from '@verbatim/core';
import {
  COMPUTE_TYPES,
  type ComputeType,
  DEVICES,
  type Device,
  formatStageTimes,
  GPU_MEMORY_MODES,
  type GpuMemory,
  Transcriber,
  type TranscriptionOptions,
  type VadOptions,
} from '@verbatim/pipeline';
import { type Command, Option } from 'commander';
import type { CliContext } from '../internal/cli-context.js';
import { EXIT_FAILURE, EXIT_USAGE } from '../internal/exit-codes.js';
import { expandInputs } from '../internal/expand-inputs.js';
import { finiteNumber, nonNegativeNumber, positiveInteger, tokenIds } from '../internal/option-parsers.js';
import { ProgressBar } from '../internal/progress-bar.js';
import { formatError } from '../internal/report-error.js';
import { writeFileAtomic } from '../internal/write-file-atomic.js';

/** The flags as commander parses them. */
interface TranscribeFlags {
  model: string;
  language?: string;
  task?: 'transcribe' | 'translate';
  batchSize?: number;
  beamSize?: number;
  bestOf?: number;
  patience?: number;
  lengthPenalty?: number;
  temperature: number;
  temperatureIncrementOnFallback: number;
  vad: boolean;
  vadModel?: 'v5' | 'v6';
  vadThreshold?: number;
  vadMinSpeechMs?: number;
  vadMinSilenceMs?: number;
  vadPadMs?: number;
  vadMaxSpeechS?: number;
  outputFormat: OutputFormat | 'all';
  outputDir: string;
  threads?: number;
  device?: Device;
  gpuMemory?: GpuMemory;
  computeType?: ComputeType;
  initialPrompt?: string;
  prefix?: string;
  hotwords?: string;
  conditionOnPreviousText?: boolean;
  suppressTokens?: number[];
  compressionRatioThreshold?: number;
  logprobThreshold?: number;
  noSpeechThreshold?: number;
  maxNewTokens?: number;
  hallucinationSilenceThreshold?: number;
  quiet?: boolean;
}

/**
 * Whisper's temperature schedule: from `--temperature` up to 1 in steps of `--temperature-increment-on-fallback`
 * (0: the one temperature).
 */
export function fallbackTemperatures(temperature: number, increment: number): number[] {
  if (increment === 0 || temperature > 1) return [temperature];
  const temperatures: number[] = [];
  for (let k = 0; temperature + k * increment <= 1 + 1e-6; k++) {
    temperatures.push(Math.round((temperature + k * increment) * 1e6) / 1e6);
  }
  return temperatures;
}

function transcriptionOptions(flags: TranscribeFlags): TranscriptionOptions {
  const vad: VadOptions = {
    ...(flags.vadModel !== undefined && { model: flags.vadModel }),
    ...(flags.vadThreshold !== undefined && { threshold: flags.vadThreshold }),
    ...(flags.vadMinSpeechMs !== undefined && { minSpeechDurationMs: flags.vadMinSpeechMs }),
    ...(flags.vadMinSilenceMs !== undefined && { minSilenceDurationMs: flags.vadMinSilenceMs }),
    ...(flags.vadPadMs !== undefined && { speechPadMs: flags.vadPadMs }),
    ...(flags.vadMaxSpeechS !== undefined && { maxSpeechDurationS: flags.vadMaxSpeechS }),
  };
  return {
    model: flags.model,
    vad: flags.vad ? vad : false,
    temperatures: fallbackTemperatures(flags.temperature, flags.temperatureIncrementOnFallback),
    language: flags.language,
    task: flags.task,
    batchSize: flags.batchSize,
    beamSize: flags.beamSize,
    bestOf: flags.bestOf,
    patience: flags.patience,
    lengthPenalty: flags.lengthPenalty,
    threads: flags.threads,
    device: flags.device,
    gpuMemory: flags.gpuMemory,
    computeType: flags.computeType,
    initialPrompt: flags.initialPrompt,
    prefix: flags.prefix,
    hotwords: flags.hotwords,
    conditionOnPreviousText: flags.conditionOnPreviousText,
    suppressTokens: flags.suppressTokens,
    compressionRatioThreshold: flags.compressionRatioThreshold,
    logProbThreshold: flags.logprobThreshold,
    noSpeechThreshold: flags.noSpeechThreshold,
    maxNewTokens: flags.maxNewTokens,
    hallucinationSilenceThreshold: flags.hallucinationSilenceThreshold,
  };
}

/** `[00:01.000 --> 00:04.500]  text`, as whisper prints segments while it decodes. */
function segmentLine(segment: Segment): string {
  const [start, end] = [segment.startS, segment.endS].map((s) => formatTimestamp(s, VTT_TIMESTAMP_STYLE));
  return `[${start} --> ${end}]  ${segment.text.trim()}\n`;
}

/** `verbatim transcribe <inputs…>`: each input's transcript in the chosen formats; one failure does not stop the rest. */
export function registerTranscribeCommand(program: Command, context: CliContext): void {
  program
    .command('transcribe')
    .description('transcribe audio or video files with Whisper (VAD-chunked and batched, or sequential)')
    .argument('<inputs...>', 'audio or video files, or glob patterns')
    .option(
      '--model <name|path>',
      'model alias (tiny … large-v3-turbo), demo, or a model folder / ggml file',
      'demo',
    )
    .option('--language <code|name>', 'spoken language (default: detected by a vote over several windows)')
    .addOption(
      new Option('--task <task>', 'transcribe, or translate into English').choices([
        'transcribe',
        'translate',
      ]),
    )
    .option('--batch-size <n>', 'VAD chunks decoded together (default 16)', positiveInteger)
    .option('--beam-size <n>', 'beams at temperature 0; 1 is greedy (default 5)', positiveInteger)
    .option('--best-of <n>', 'samples at temperatures above 0 (default 5)', positiveInteger)
    .option('--patience <x>', 'beam search patience (default 1)', finiteNumber)
    .option(
      '--length-penalty <alpha>',
      'length penalty in [0, 1] (default: plain length normalisation)',
      finiteNumber,
    )
    .option('--temperature <t>', 'first sampling temperature', nonNegativeNumber, 0)
    .option(
      '--temperature-increment-on-fallback <dt>',
      'temperature step up to 1 when a window fails the thresholds (0: no fallback)',
      nonNegativeNumber,
      0.2,
    )
    .option('--vad', 'find speech with Silero VAD and decode it in ≤ 30 s chunks (default)', true)
    .option('--no-vad', "decode the whole audio sequentially, OpenAI whisper's way")
    .addOption(new Option('--vad-model <version>', 'Silero VAD version (default v6)').choices(['v5', 'v6']))
    .option('--vad-threshold <p>', 'speech probability threshold (default 0.5)', finiteNumber)
    .option('--vad-min-speech-ms <ms>', 'shorter speech is dropped (default 0)', nonNegativeNumber)
    .option('--vad-min-silence-ms <ms>', 'silence that ends speech (default 160)', nonNegativeNumber)
    .option('--vad-pad-ms <ms>', 'padding on both sides of speech (default 400)', nonNegativeNumber)
    .option('--vad-max-speech-s <s>', 'longer speech is split at a silence (default 30)', finiteNumber)
    .addOption(
      new Option('--output-format <format>', 'output format')
        .choices(['all', ...OUTPUT_FORMATS])
        .default('all'),
    )
    .option('--output-dir <dir>', 'where the outputs go, named after each input', '.')
    .option('--threads <n>', 'engine compute threads (default: one per hardware thread)', positiveInteger)
    .addOption(new Option('--device <device>', 'where the engine runs (default auto)').choices(DEVICES))
    .addOption(
      new Option(
        '--gpu-memory <mode>',
        'on a GPU: fast (default) or lean (under half the device memory, slower decoding)',
      ).choices(GPU_MEMORY_MODES),
    )
    .addOption(
      new Option('--compute-type <type>', "compute type; the engine computes in the weights' dtype").choices(
        COMPUTE_TYPES,
      ),
    )
    .option('--initial-prompt <text>', 'text given as the context before the first window')
    .option('--prefix <text>', 'text the first window starts with')
    .option('--hotwords <text>', 'words to favour, given before every window')
    .option(
      '--condition-on-previous-text',
      "prompt each window with the previous one's text (sequential; default)",
    )
    .option('--no-condition-on-previous-text', 'decode each window without the previous text')
    .option(
      '--suppress-tokens <ids>',
      'comma-separated token ids never emitted; -1 is the non-speech set',
      tokenIds,
    )
    .option(
      '--compression-ratio-threshold <x>',
      'fall back above this gzip ratio (default 2.4)',
      finiteNumber,
    )
    .option('--logprob-threshold <x>', 'fall back below this mean log-probability (default -1)', finiteNumber)
    .option(
      '--no-speech-threshold <p>',
      'silence above this no-speech probability (default 0.6)',
      finiteNumber,
    )
    .option('--max-new-tokens <n>', 'most tokens decoded per window (default 224)', positiveInteger)
    .option(
      '--hallucination-silence-threshold <s>',
      "sequential: skip silences this long around suspected hallucinations (whisper's; needs word timings)",
      nonNegativeNumber,
    )
    .option('-q, --quiet', 'print nothing but errors')
    .action(async (inputs: string[], flags: TranscribeFlags) => {
      await runTranscribe(inputs, flags, context);
    });
}

async function runTranscribe(
  inputs: readonly string[],
  flags: TranscribeFlags,
  context: CliContext,
): Promise<void> {
  const { io } = context;
  // Inputs are expanded (and their output names checked) before the model loads: a clash is a usage error
  // found at once, and a later input never overwrites an earlier one's transcript.
  const expanded = await expandInputs(inputs);
  const clash = outputNameClash(expanded.flatMap((input) => ('error' in input ? [] : [input.path])));
  if (clash) {
    io.stderr.write(
      `verbatim: error E_INVALID_ARG: [transcribe] two inputs would write the same outputs ` +
        `${join(flags.outputDir, `${clash.stem}.*`)}: ${clash.paths.join(' and ')} ` +
        `(transcribe them into different --output-dir folders)\n`,
    );
    context.exitCode = EXIT_USAGE;
    return;
  }
  const bar = io.stderr.isTTY && !flags.quiet ? new ProgressBar(io.stderr) : undefined;
  let transcriber: Transcriber;
  let label = '';
  try {
    transcriber = await Transcriber.create({
      ...transcriptionOptions(flags),
      onProgress: (progress) =>
        bar?.update(
          label,
          progress.totalS > 0 ? progress.doneS / progress.totalS : 1,
          `${progress.stage} ${progress.doneS.toFixed(1)}/${progress.totalS.toFixed(1)} s`,
        ),
      modelResolution: {
        onProgress: (download) =>
          bar?.update(
            `${download.repo}/${download.file}`,
            download.bytesTotal ? download.bytesDone / download.bytesTotal : 0,
            `download ${(download.bytesDone / 1e6).toFixed(1)} MB`,
          ),
      },
    });
  } catch (error) {
    bar?.clear();
    // A bad option value, language, compute type or model name: the command line was wrong.
    io.stderr.write(`${formatError(error, context.verbose)}\n`);
    context.exitCode = isVerbatimError(error) && error.code === 'E_INVALID_ARG' ? EXIT_USAGE : EXIT_FAILURE;
    return;
  }
  reportBackend(transcriber.modelInfo, flags, context);
  try {
    const formats = flags.outputFormat === 'all' ? OUTPUT_FORMATS : [flags.outputFormat];
    await mkdir(flags.outputDir, { recursive: true });
    for (const input of expanded) {
      if ('error' in input) {
        context.exitCode = EXIT_FAILURE;
        io.stderr.write(`${formatError(input.error, context.verbose)}\n`);
        continue;
      }
      label = input.path;
      try {
        await transcribeOne(input.path, transcriber, formats, flags, context, bar);
      } catch (error) {
        bar?.clear();
        context.exitCode = EXIT_FAILURE;
        io.stderr.write(`${formatError(error, context.verbose)}\n`);
      }
    }
  } finally {
    await transcriber.dispose();
  }
}

/** The outputs of `path` are `<stem>.<format>`, named like whisper's: the file name without its extension. */
function outputStem(path: string): string {
  return basename(path, extname(path));
}

/** The first output stem two different inputs share (e.g. talk.wav and talk.mp3), with both inputs. */
export function outputNameClash(
  paths: readonly string[],
): { stem: string; paths: [string, string] } | undefined {
  const byStem = new Map<string, string>();
  for (const path of paths) {
    const stem = outputStem(path);
    const first = byStem.get(stem);
    if (first !== undefined) return { stem, paths: [first, path] };
    byStem.set(stem, path);
  }
  return undefined;
}

async function transcribeOne(
  path: string,
  transcriber: Transcriber,
  formats: readonly OutputFormat[],
  flags: TranscribeFlags,
  context: CliContext,
  bar: ProgressBar | undefined,
): Promise<void> {
  const { io } = context;
  const started = performance.now();
  const { info, segments } = await transcriber.transcribe(path);
  const collected: Segment[] = [];
  for await (const segment of segments) {
    collected.push(segment);
    if (context.verbose && !flags.quiet) {
      bar?.clear();
      io.stdout.write(segmentLine(segment));
    }
  }
  bar?.clear();
  const result = { info, segments: collected };
  // Every format is rendered before any file is written: a writer's error leaves no output behind.
  const stem = outputStem(path);
  const outputs = formats.map((format) => ({
    file: join(flags.outputDir, `${stem}.${format}`),
    text: formatTranscription(format, result),
  }));
  for (const output of outputs) await writeFileAtomic(output.file, output.text);
  if (flags.quiet) return;
  const elapsedS = (performance.now() - started) / 1000;
  const language =
    info.options.language === undefined
      ? `${info.language} (p=${info.languageProbability.toFixed(2)})`
      : info.language;
  io.stdout.write(
    `${path}: ${collected.length} segments, language ${language}, ${info.durationS.toFixed(1)} s of audio in ` +
      `${elapsedS.toFixed(1)} s (${(info.durationS / elapsedS).toFixed(1)}× real time) → ` +
      `${outputs.map((output) => output.file).join(', ')}\n`,
  );
  // where the time went (the engine's calls, VAD, language detection): what bounds a run on this machine
  if (context.verbose) io.stdout.write(`  stages: ${formatStageTimes(info.stageTimes)}\n`);
}

/**
 * Where the engine runs: with --verbose always; otherwise only a surprising fallback (a GPU driver is present but CUDA
 * cannot be used), so that users of CPU-only machines are not told on every run that they have no GPU.
 */
function reportBackend(info: Transcriber['modelInfo'], flags: TranscribeFlags, context: CliContext): void {
  if (flags.quiet) return;
  const where = info.backend === 'cuda' ? `cuda (${info.deviceName})` : 'cpu';
  if (context.verbose) {
    context.io.stderr.write(
      `verbatim: engine on ${where}${info.backendNote ? `; ${info.backendNote}` : ''}\n`,
    );
  } else if (info.backendNote && !info.backendNote.includes('no NVIDIA driver')) {
    context.io.stderr.write(`verbatim: ${info.backendNote}\n`);
  }
}
