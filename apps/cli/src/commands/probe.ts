import { type AudioFormatInfo, probe } from '@verbatim/audio';
import { isVerbatimError } from '@verbatim/core';
import type { Command } from 'commander';
import type { CliContext } from '../internal/cli-context.js';
import { EXIT_FAILURE } from '../internal/exit-codes.js';
import { formatError } from '../internal/report-error.js';
import { formatTable } from '../internal/table.js';

interface ProbeOptions {
  json?: boolean;
}

type ProbeOutcome = { path: string; format: AudioFormatInfo } | { path: string; error: unknown };

function jsonRecord(outcome: ProbeOutcome): object {
  if ('format' in outcome) return { path: outcome.path, ...outcome.format };
  const { error } = outcome;
  const code = isVerbatimError(error) ? error.code : 'E_INTERNAL';
  return {
    path: outcome.path,
    error: { code, message: error instanceof Error ? error.message : String(error) },
  };
}

function tableRow(outcome: ProbeOutcome & { format: AudioFormatInfo }): string[] {
  const { format } = outcome;
  return [
    outcome.path,
    format.container,
    format.codec,
    `${format.sampleRateHz} Hz`,
    String(format.channels),
    format.durationS === undefined ? 'unknown' : `${format.durationS.toFixed(3)} s`,
  ];
}

/** `verbatim probe <files…>`: what each file holds, one file's failure not stopping the others. */
export function registerProbeCommand(program: Command, context: CliContext): void {
  program
    .command('probe')
    .description('describe audio/video files: container, codec, sample rate, channels, duration')
    .argument('<files...>', 'audio or video files')
    .option('--json', 'print one JSON array instead of a table')
    .action(async (paths: string[], options: ProbeOptions) => {
      const outcomes: ProbeOutcome[] = [];
      for (const path of paths) {
        try {
          outcomes.push({ path, format: await probe(path) });
        } catch (error) {
          outcomes.push({ path, error });
        }
      }
      const failures = outcomes.filter((outcome) => 'error' in outcome);
      if (failures.length > 0) context.exitCode = EXIT_FAILURE;
      if (options.json) {
        context.io.stdout.write(`${JSON.stringify(outcomes.map(jsonRecord), null, 2)}\n`);
        return;
      }
      const rows = outcomes.flatMap((outcome) => ('format' in outcome ? [tableRow(outcome)] : []));
      if (rows.length > 0) {
        const header = ['FILE', 'CONTAINER', 'CODEC', 'SAMPLE RATE', 'CHANNELS', 'DURATION'];
        context.io.stdout.write(`${formatTable(header, rows)}\n`);
      }
      for (const failure of failures) {
        if ('error' in failure) context.io.stderr.write(`${formatError(failure.error, context.verbose)}\n`);
      }
    });
}
