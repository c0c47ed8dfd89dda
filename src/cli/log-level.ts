/** `--log-level` of the long-running commands: pino's levels, checked before anything starts. */

import { CliError } from './errors.js';
import { EXIT_USAGE } from './exit-codes.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The option's help text. */
export const logLevelHelp = (fallback: LogLevel): string => `log level on standard error: ${LOG_LEVELS.join(', ')} (default ${fallback})`;

/** The level asked for, or `fallback`; a usage error for anything else. */
export function readLogLevel(text: string | undefined, fallback: LogLevel, seeHelpOf: string): LogLevel {
  const level = text ?? fallback;
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new CliError(`--log-level ${JSON.stringify(level)} is not one of ${LOG_LEVELS.join(', ')}`, EXIT_USAGE, seeHelpOf);
  return level as LogLevel;
}
