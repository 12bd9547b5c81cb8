/** Exit codes: 0 success, 1 a command failed (bad input, decode error…), 2 the command line itself was wrong. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
