/** Test helpers: run `parley` as a real process (the built binary) or in-process through runCli. */

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { type CliIo, type ProgramOptions, runCli } from '../../src/cli/main.js';

/** The built program, dist/src/cli/main.js, seen from dist/test/cli/. */
export const PARLEY_MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** What one run produced. */
export interface ParleyRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node dist/src/cli/main.js ...args` with `stdin` (default: empty) as standard input. */
export function runParley(args: readonly string[], stdin = ''): Promise<ParleyRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PARLEY_MAIN, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** Runs `parley ...args` in this process through runCli, collecting its output. */
export async function runParleyInProcess(
  args: readonly string[],
  options: ProgramOptions = {},
  stdin?: AsyncIterable<Uint8Array | string>,
): Promise<ParleyRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    ...(stdin === undefined ? {} : { stdin }),
  };
  const code = await runCli(args, io, options);
  return { code, stdout, stderr };
}

/** The lines of a stream's text (a final newline does not make an extra empty line). */
export function linesOf(text: string): string[] {
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}
