/**
 * Usage errors, the same for every command: commander's own messages and exits are routed here,
 * so that an unknown command or option, a missing or excess argument, or a bad option value
 * prints exactly one line, `parley: <what is wrong> (see parley <cmd> --help)`, and exits 2;
 * `--help` and `--version` print to stdout and exit 0.
 */

import type { Command, CommanderError } from 'commander';

import { CliEarlyExit, CliError } from './errors.js';
import { EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import type { CliIo } from './io.js';

/** The full name of a command, e.g. `parley wire decode`. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** A usage error of `cmd`: exit 2, with a pointer to its `--help`. */
export function usageError(cmd: Command, message: string): CliError {
  return new CliError(message, EXIT_USAGE, commandPath(cmd));
}

function fromCommanderExit(err: CommanderError, cmd: Command): Error {
  if (err.exitCode === 0) return new CliEarlyExit(EXIT_OK);
  // 'commander.help' with a non-zero code: a command group was called without a subcommand.
  if (err.code === 'commander.help') {
    return usageError(cmd, `missing command, one of: ${cmd.commands.map((c) => c.name()).join(', ')}`);
  }
  // commander's text: 'error: <what>', sometimes followed by '\n(Did you mean <x>?)'.
  const what = err.message.replace(/^error: /, '').replace(/\s*\(Did you mean (.+)\?\)\s*$/, '; did you mean $1?');
  return usageError(cmd, what);
}

/**
 * Makes `root` and every command below it report usage errors as one line and never call
 * `process.exit`: help and version go to `io.stdout`, commander's own error output is dropped in
 * favour of the thrown CliError. Call it once, after every command has been added.
 */
export function installUsageHandling(root: Command, io: CliIo): void {
  const visit = (cmd: Command): void => {
    cmd.helpCommand(false); // `--help` everywhere; a `help` subcommand would be a second way
    cmd.configureOutput({
      writeOut: (text) => {
        io.stdout.write(text);
      },
      writeErr: () => {
        // Only errors and help-after-error are written here; both become one CliError line.
      },
      outputError: () => {
        // As above.
      },
    });
    cmd.exitOverride((err) => {
      throw fromCommanderExit(err, cmd);
    });
    cmd.commands.forEach(visit);
  };
  visit(root);
}
