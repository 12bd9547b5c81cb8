/** Where the CLI writes; process.stdout/stderr in the binary, buffers in tests. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  /** `isTTY` (a terminal: progress bars are drawn) and `columns` as on process.stderr. */
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean; readonly columns?: number };
}

/** State shared by the commands of one CLI run. */
export interface CliContext {
  readonly io: CliIo;
  verbose: boolean;
  /** A command that handles several inputs sets this when one of them failed but it carried on with the rest. */
  exitCode: number;
}
