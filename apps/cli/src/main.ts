import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerMelCommand } from './commands/mel.js';
import { registerProbeCommand } from './commands/probe.js';
import { registerTranscribeCommand } from './commands/transcribe.js';
import type { CliContext, CliIo } from './internal/cli-context.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './internal/exit-codes.js';
import { formatError } from './internal/report-error.js';

function cliVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

function buildProgram(context: CliContext): Command {
  const program = new Command('verbatim')
    .description('Fast, exact Whisper speech-to-text.')
    .version(cliVersion(), '-V, --version', 'print the version and exit')
    .option('--verbose', 'show stack traces and extra diagnostics on errors')
    .showHelpAfterError('(run verbatim --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.io.stdout.write(text),
      writeErr: (text) => context.io.stderr.write(text),
    })
    .hook('preAction', (command) => {
      context.verbose = Boolean(command.opts<{ verbose?: boolean }>().verbose);
    });
  registerProbeCommand(program, context);
  registerMelCommand(program, context);
  registerTranscribeCommand(program, context);
  return program;
}

/**
 * Runs the CLI on `argv` (arguments after the executable and script) and resolves to the exit code; never calls
 * process.exit, so tests and embedding programs can drive it.
 */
export async function main(argv: readonly string[], io: CliIo = process): Promise<number> {
  const context: CliContext = { io, verbose: argv.includes('--verbose'), exitCode: EXIT_OK };
  const program = buildProgram(context);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return context.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    io.stderr.write(`${formatError(error, context.verbose)}\n`);
    return EXIT_FAILURE;
  }
}
