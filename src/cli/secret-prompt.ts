/**
 * Asking for a secret on the terminal: the prompt on the terminal, the typed characters not
 * echoed, backspace and Ctrl-U to correct, Enter to finish, Ctrl-C or Ctrl-D (on an empty line)
 * to cancel. The secret never reaches the command line or the shell history.
 */

import { StringDecoder } from 'node:string_decoder';

import { CliError } from './errors.js';
import { EXIT_FAILURE } from './exit-codes.js';

/** Longest secret accepted at the prompt (characters); typing beyond it is refused. */
export const SECRET_PROMPT_MAX_CHARS = 1_024;

const ENTER = new Set(['\r', '\n']);
const BACKSPACE = new Set(['\x7f', '\b']);
const CTRL_C = '\x03';
const CTRL_D = '\x04';
const CTRL_U = '\x15';

/** The terminal streams the prompt needs (process.stdin and process.stderr when stdin is a TTY). */
export interface Terminal {
  readonly input: NodeJS.ReadStream;
  readonly output: NodeJS.WritableStream;
}

/** Reads one secret from the terminal without echo. */
export function readSecret(terminal: Terminal, prompt: string): Promise<string> {
  const { input, output } = terminal;
  return new Promise((resolve, reject) => {
    const decoder = new StringDecoder('utf8');
    let chars: string[] = [];
    const finish = (error: Error | null): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(chars.join(''));
    };
    const onData = (chunk: Buffer | string): void => {
      for (const c of typeof chunk === 'string' ? chunk : decoder.write(chunk)) {
        if (ENTER.has(c)) return finish(null);
        if (c === CTRL_C || (c === CTRL_D && chars.length === 0)) return finish(new CliError('cancelled', EXIT_FAILURE));
        if (BACKSPACE.has(c)) chars.pop();
        else if (c === CTRL_U) chars = [];
        else if (c >= ' ' && chars.length < SECRET_PROMPT_MAX_CHARS) chars.push(c);
      }
    };
    input.setRawMode(true); // before the prompt: nothing typed after it is echoed
    output.write(prompt);
    input.on('data', onData);
    input.resume();
  });
}
