/** `parley wire encode JSON|- [--compressed] [--json]`: encode a message given in its JSON form. */

import type { Command } from 'commander';

import { encodeMessage, messageFromJson, toHex, WireError } from '../../wire/index.js';
import { CliError } from '../errors.js';
import { EXIT_USAGE } from '../exit-codes.js';
import { parseJson, readStdinText } from '../input.js';
import { type CliIo, writeJson } from '../io.js';

/** Adds `encode` under `wire`. */
export function addWireEncodeCommand(wire: Command, io: CliIo): void {
  wire
    .command('encode')
    .description('encode a message given in its JSON form ({ command, requestId, objects }) and print it as hex')
    .argument('<json>', "the message as JSON, or '-' to read it from standard input")
    .option('--compressed', 'use the compressed (range-coded) encoding instead of plain')
    .option('--json', 'print { encoding, bytes, hex } as JSON instead')
    .action(async (jsonText: string, opts: { compressed?: boolean; json?: boolean }) => {
      const text = jsonText === '-' ? await readStdinText(io) : jsonText;
      const parsed = messageFromJson(parseJson(text));
      if (!parsed.ok) throw new CliError(parsed.error.message, EXIT_USAGE);
      const compressed = opts.compressed === true;
      let bytes: Uint8Array;
      try {
        bytes = encodeMessage(parsed.value, { compressed });
      } catch (e) {
        if (e instanceof WireError) throw new CliError(e.message, EXIT_USAGE);
        throw e;
      }
      const hex = toHex(bytes);
      if (opts.json === true) {
        const doc = { encoding: compressed ? 'compressed' : 'plain', bytes: bytes.length, hex };
        writeJson(io.stdout, doc);
      } else {
        io.stdout.write(`${hex}\n`);
      }
    });
}
