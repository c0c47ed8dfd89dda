/** `parley wire decode HEX [--json]`: decode a plain or compressed message and show it. */

import type { Command } from 'commander';

import { decodeMessage, encodingOf, messageToJson } from '../../wire/index.js';
import { formatTree } from '../../wire/tree.js';
import { CliError } from '../errors.js';
import { EXIT_USAGE } from '../exit-codes.js';
import { parseHex } from '../input.js';
import { type CliIo, writeJson } from '../io.js';
import { commandPath } from '../usage.js';

/** Adds `decode` under `wire`. */
export function addWireDecodeCommand(wire: Command, io: CliIo): void {
  const cmd = wire
    .command('decode')
    .description('decode a plain or compressed message and print it as a tree')
    .argument('<hex>', 'the encoded message in hex; spaces and colons are ignored')
    .option('--json', 'print { encoding, bytes, message } as JSON instead')
    .action((hexText: string, opts: { json?: boolean }) => {
      const bytes = parseHex(hexText, commandPath(cmd));
      const result = decodeMessage(bytes);
      if (!result.ok) throw new CliError(result.error.message, EXIT_USAGE);
      const encoding = encodingOf(bytes);
      if (encoding === null) throw new Error('an empty input decoded'); // decodeMessage rejects empty input
      if (opts.json === true) {
        const doc = { encoding, bytes: bytes.length, message: messageToJson(result.value) };
        writeJson(io.stdout, doc);
      } else {
        io.stdout.write(`${formatTree(result.value, { encoding, bytes: bytes.length })}\n`);
      }
    });
}
