/**
 * `parley login-server --network DIR [--listen HOST:PORT] [--db sqlite:PATH | postgres://...]`:
 * run the network's login server until SIGINT or SIGTERM.
 */

import { join } from 'node:path';
import type { Command } from 'commander';

import { startLoginServer } from '../../login/server.js';
import type { LoginStore } from '../../login/store/login-store.js';
import { PostgresLoginStore } from '../../login/store/postgres-store.js';
import { SqliteLoginStore } from '../../login/store/sqlite-store.js';
import { parseEndpoint } from '../../wire/address.js';
import { CliError } from '../errors.js';
import { EXIT_FAILURE, EXIT_USAGE } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { commandPath } from '../usage.js';

/** Where the login server listens unless told: as network init's default endpoint. */
export const DEFAULT_LISTEN = '127.0.0.1:33033';

function openStore(db: string | undefined, directory: string): LoginStore {
  if (db === undefined) return new SqliteLoginStore(join(directory, 'login.db'));
  if (db.startsWith('sqlite:')) return new SqliteLoginStore(db.slice('sqlite:'.length));
  if (db.startsWith('postgres://') || db.startsWith('postgresql://')) return new PostgresLoginStore({ connectionString: db });
  throw new Error('--db is sqlite:PATH or postgres://...');
}

/** Adds `login-server`. */
export function addLoginServerCommand(program: Command, io: CliIo): void {
  const cmd = program
    .command('login-server')
    .description("run the network's login server (accounts with OPAQUE, certificates) until SIGINT or SIGTERM")
    .requiredOption('--network <dir>', 'the network directory (network.json, ca.key, login-server.key)')
    .option('--listen <host:port>', `where to listen, UDP (default ${DEFAULT_LISTEN}; port 0: any)`)
    .option('--db <url>', 'sqlite:PATH (default: DIR/login.db) or postgres://user:password@host:port/database')
    .action(async (opts: { network: string; listen?: string; db?: string }) => {
      const listen = parseEndpoint(opts.listen ?? DEFAULT_LISTEN);
      if (!listen) throw new CliError(`--listen ${JSON.stringify(opts.listen)} is not host:port`, EXIT_USAGE, commandPath(cmd));
      let store: LoginStore;
      try {
        store = openStore(opts.db, opts.network);
      } catch (e) {
        throw new CliError(e instanceof Error ? e.message : String(e), EXIT_USAGE, commandPath(cmd));
      }
      let server;
      try {
        server = await startLoginServer({ directory: opts.network, host: listen.host, port: listen.port, store, onError: (e) => io.stderr.write(`parley: login server: ${e.message}\n`) });
      } catch (e) {
        throw new CliError(`cannot start the login server: ${e instanceof Error ? e.message : String(e)}`, EXIT_FAILURE);
      }
      io.stdout.write(`${JSON.stringify({ listening: `udp:${listen.host.includes(':') ? `[${server.host}]` : server.host}:${server.port}`, port: server.port })}\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.close();
    });
}
