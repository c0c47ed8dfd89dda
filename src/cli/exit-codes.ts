/**
 * The exit codes of every `parley` command, in one place.
 *
 * 0: done. 1: a runtime failure (something we tried did not work; trying again may help).
 * 2: bad usage or bad input (the command line, or the data it names, is wrong; the same
 * invocation will fail the same way).
 */

/** The command did what it was asked. */
export const EXIT_OK = 0;
/** A runtime failure: a module would not load, a run failed. */
export const EXIT_FAILURE = 1;
/** Bad usage or bad input: unknown command or option, missing argument, bad number, bytes that do not decode. */
export const EXIT_USAGE = 2;

/** One of the exit codes above. */
export type ExitCode = typeof EXIT_OK | typeof EXIT_FAILURE | typeof EXIT_USAGE;
