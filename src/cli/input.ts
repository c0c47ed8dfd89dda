/** Reading command input: hex text, JSON text, standard input. Every failure is a coded CliError. */

import { DEFAULT_WIRE_LIMITS } from '../wire/index.js';
import { CliError } from './errors.js';
import { EXIT_USAGE } from './exit-codes.js';
import type { CliIo } from './io.js';

/**
 * Most bytes read from standard input: a JSON message whose encoding is within the wire's
 * maxTotalBytes (1 MiB) takes at most a few times that as text (blobs double as hex).
 */
export const STDIN_MAX_BYTES = 8 * DEFAULT_WIRE_LIMITS.maxTotalBytes;

/** Hex text to bytes. Spaces, line breaks and colons between digits are ignored. */
export function parseHex(text: string, seeHelpOf: string): Uint8Array {
  const digits = text.replace(/[\s:]/g, '');
  const bad = /[^0-9a-fA-F]/.exec(digits);
  if (bad) {
    throw new CliError(`CLI_BAD_HEX: ${JSON.stringify(bad[0])} is not a hex digit`, EXIT_USAGE, seeHelpOf);
  }
  if (digits.length % 2 !== 0) {
    throw new CliError(`CLI_BAD_HEX: odd number of hex digits (${digits.length})`, EXIT_USAGE, seeHelpOf);
  }
  return new Uint8Array(Buffer.from(digits, 'hex'));
}

/** JSON text to a value. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new CliError(`CLI_BAD_JSON: ${e instanceof Error ? e.message : String(e)}`, EXIT_USAGE);
  }
}

/** All of standard input as UTF-8 text, up to STDIN_MAX_BYTES. */
export async function readStdinText(io: CliIo): Promise<string> {
  if (io.stdin === undefined) throw new CliError('CLI_NO_STDIN: no standard input to read', EXIT_USAGE);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of io.stdin) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
    total += buf.length;
    if (total > STDIN_MAX_BYTES) {
      throw new CliError(`CLI_INPUT_TOO_LARGE: standard input exceeds ${STDIN_MAX_BYTES} bytes`, EXIT_USAGE);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}
