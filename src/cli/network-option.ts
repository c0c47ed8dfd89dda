/** Reading the network.json a command names (`--network FILE`): the network, or a one-line usage error. */

import { readFileSync } from 'node:fs';

import { type NetworkFile, NetworkFileError, readNetworkFile } from '../login/network-file.js';
import { CliError } from './errors.js';
import { EXIT_USAGE } from './exit-codes.js';
import { parseJson } from './input.js';

/** The network described by the file at `path`; a CliError (exit 2, see `seeHelpOf`) if it cannot be read or is not one. */
export function readNetworkOption(path: string, seeHelpOf: string): NetworkFile {
  try {
    return readNetworkFile(parseJson(readFileSync(path, 'utf8')));
  } catch (e) {
    if (e instanceof NetworkFileError || e instanceof CliError) throw new CliError(e.message, EXIT_USAGE, seeHelpOf);
    throw new CliError(`CLI_BAD_FILE: cannot read ${path}`, EXIT_USAGE, seeHelpOf);
  }
}
