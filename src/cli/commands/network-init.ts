/** `parley network init DIR [--name NAME] [--login-endpoint E]... [--json]`: create a network. */

import { basename, resolve } from 'node:path';
import type { Command } from 'commander';

import { CA_KEY_FILE, LOGIN_SERVER_KEY_FILE } from '../../login/key-files.js';
import { NetworkFileError, NETWORK_NAME_PATTERN } from '../../login/network-file.js';
import { DEFAULT_LOGIN_ENDPOINTS, initNetwork, NetworkInitError } from '../../login/network-init.js';
import { CliError } from '../errors.js';
import { EXIT_FAILURE, EXIT_USAGE } from '../exit-codes.js';
import { type CliIo, writeJson } from '../io.js';
import { commandPath } from '../usage.js';

/** Adds `init` under `network`. */
export function addNetworkInitCommand(network: Command, io: CliIo): void {
  const cmd = network
    .command('init')
    .description('create a network: its certificate authority, the login server key (both 0600, never printed) and network.json')
    .argument('<dir>', 'the network directory (created if missing; existing network files are never overwritten)')
    .option('--name <name>', 'the network name (default: the directory name)')
    .option('--login-endpoint <endpoint>', `where the login server answers, "udp:host:port" or "tcp:host:port"; repeatable (default: ${DEFAULT_LOGIN_ENDPOINTS.join(', ')})`, (v: string, all: string[] = []) => [...all, v])
    .option('--json', 'print { networkFile, name, caPublicKey, loginServerKey } as JSON')
    .action((dir: string, opts: { name?: string; loginEndpoint?: string[]; json?: boolean }) => {
      const directory = resolve(dir);
      const fallback = basename(directory);
      const name = opts.name ?? (NETWORK_NAME_PATTERN.test(fallback) ? fallback : 'parley');
      let created;
      try {
        created = initNetwork(directory, name, opts.loginEndpoint ?? DEFAULT_LOGIN_ENDPOINTS);
      } catch (e) {
        if (e instanceof NetworkFileError) throw new CliError(e.message, EXIT_USAGE, commandPath(cmd));
        if (e instanceof NetworkInitError) throw new CliError(`NETWORK_EXISTS: ${e.message}`, EXIT_FAILURE);
        throw new CliError(`cannot create the network in ${directory}: ${e instanceof Error ? e.message : String(e)}`, EXIT_FAILURE);
      }
      const summary = {
        networkFile: created.networkFile,
        name: created.network.name,
        caPublicKey: created.network.ca.publicKey,
        loginServerKey: created.network.loginServers[0]?.staticKey ?? '',
      };
      if (opts.json === true) {
        writeJson(io.stdout, summary);
        return;
      }
      io.stdout.write(
        [
          `network ${summary.name} created in ${directory}`,
          `  ${summary.networkFile} (public: share it with users and operators)`,
          `  CA public key       ${summary.caPublicKey}`,
          `  login server key    ${summary.loginServerKey}`,
          `  secrets: ${CA_KEY_FILE} and ${LOGIN_SERVER_KEY_FILE}, mode 0600 (not shown; keep them on the login server only)`,
        ].join('\n') + '\n',
      );
    });
}
