#!/usr/bin/env node
/**
 * The `parley` program. `runCli` runs one command line in-process and returns its exit code (the
 * tests call it directly); the top level runs it only when this file is the program itself.
 */

import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

import { CliEarlyExit, CliError, errorLine, oneLine } from './errors.js';
import { EXIT_FAILURE, EXIT_OK, type ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { buildProgram, type ProgramOptions } from './program.js';
import { readSecret } from './secret-prompt.js';

export type { CliIo } from './io.js';
export type { ProgramOptions } from './program.js';

/** Runs `parley <argv...>` (argv without node and the script) and resolves to its exit code. */
export async function runCli(argv: readonly string[], io: CliIo, options: ProgramOptions = {}): Promise<ExitCode> {
  try {
    await buildProgram(io, options).parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (e) {
    if (e instanceof CliEarlyExit) return e.exitCode;
    if (e instanceof CliError) {
      io.stderr.write(errorLine(e));
      return e.exitCode;
    }
    // A bug, not a usage or runtime error: still one line, the stack only on request.
    const message = e instanceof Error ? e.message : String(e);
    io.stderr.write(`parley: internal error: ${oneLine(message)}\n`);
    if (process.env['PARLEY_DEBUG'] && e instanceof Error && e.stack) io.stderr.write(`${e.stack}\n`);
    return EXIT_FAILURE;
  }
}

/** True when this module is the program node was started with (also through a symlinked bin). */
function isProgramEntry(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return pathToFileURL(realpathSync(entry)).href === import.meta.url;
  } catch {
    return false;
  }
}

if (isProgramEntry()) {
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    ...(process.stdin.isTTY ? { readSecret: (prompt: string) => readSecret({ input: process.stdin, output: process.stderr }, prompt) } : {}),
  });
}
