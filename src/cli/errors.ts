/** The errors a CLI run reports as one stderr line and an exit code. */

import { EXIT_FAILURE, type ExitCode } from './exit-codes.js';

/** A failure reported as `parley: [CODE: ]message[ (see <command> --help)]`, then the exit code. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT_FAILURE,
    /** The command whose `--help` explains the right usage, e.g. `parley wire decode`. */
    readonly seeHelpOf?: string,
  ) {
    super(message);
  }
}

/** Thrown when commander has already printed help or the version: nothing more to say. */
export class CliEarlyExit extends Error {
  override readonly name = 'CliEarlyExit';
  constructor(readonly exitCode: ExitCode) {
    super(`exit ${exitCode}`);
  }
}

/** Folds any line breaks into spaces, so that every report stays one line. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** The single stderr line for an error. */
export function errorLine(error: CliError): string {
  const help = error.seeHelpOf === undefined ? '' : ` (see ${error.seeHelpOf} --help)`;
  return `parley: ${oneLine(error.message)}${help}\n`;
}
