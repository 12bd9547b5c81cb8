export type { CliIo } from './internal/cli-context.js';
export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './internal/exit-codes.js';
export { main } from './main.js';
