/**
 * `parley login-server --network DIR [--listen HOST:PORT] [--tcp-port PORT | --no-tcp]
 * [--limit NAME=VALUE]... [--open-supernodes [--prober KEY@udp:HOST:PORT]...] [--db sqlite:PATH | postgres://...]`:
 * run the network's login server until SIGINT or SIGTERM.
 */

import { join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';

import { DEFAULT_LOGIN_LIMITS, type LoginLimits } from '../../login/accounts.js';
import { parseServerEndpoint } from '../../login/network-file.js';
import type { Prober } from '../../login/prober.js';
import { probeReachable } from '../../login/reachability.js';
import { startLoginServer } from '../../login/server.js';
import type { LoginStore } from '../../login/store/login-store.js';
import { PostgresLoginStore } from '../../login/store/postgres-store.js';
import { SqliteLoginStore } from '../../login/store/sqlite-store.js';
import { formatEndpoint, parseEndpoint } from '../../wire/address.js';
import { CliError } from '../errors.js';
import { EXIT_FAILURE, EXIT_USAGE } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { commandPath } from '../usage.js';

/** Validity of open-mode supernode certificates: a day (the supernode asks again before the end). */
export const OPEN_SUPERNODE_VALIDITY_MS = 24 * 60 * 60 * 1000;
/** Where the login server listens unless told: as network init's default endpoint. */
export const DEFAULT_LISTEN = '127.0.0.1:33033';

function openStore(db: string | undefined, directory: string): LoginStore {
  if (db === undefined) return new SqliteLoginStore(join(directory, 'login.db'));
  if (db.startsWith('sqlite:')) return new SqliteLoginStore(db.slice('sqlite:'.length));
  if (db.startsWith('postgres://') || db.startsWith('postgresql://')) return new PostgresLoginStore({ connectionString: db });
  throw new Error('--db is sqlite:PATH or postgres://...');
}

/** One `--limit name=value` into the limits so far (commander's collector). */
function collectLimit(text: string, limits: Partial<Record<keyof LoginLimits, number>>): Partial<Record<keyof LoginLimits, number>> {
  const m = /^([A-Za-z]+)=([0-9]{1,15})$/.exec(text);
  if (!m) throw new InvalidArgumentError('Expected name=value with a whole number (for example registrationsPerAddressPerHour=100).');
  const name = m[1] as string;
  if (!Object.hasOwn(DEFAULT_LOGIN_LIMITS, name)) throw new InvalidArgumentError(`No limit named ${JSON.stringify(name)}; the limits are ${Object.keys(DEFAULT_LOGIN_LIMITS).join(', ')}.`);
  const value = Number(m[2]);
  if (value < 1) throw new InvalidArgumentError(`${name} must be at least 1.`);
  return { ...limits, [name]: value };
}

function proberOption(text: string, previous: Prober[]): Prober[] {
  const m = /^([0-9a-f]{64})@(.+)$/.exec(text);
  const e = m ? parseServerEndpoint(m[2] as string) : null;
  if (!m || e?.transport !== 'udp') throw new InvalidArgumentError("Expected KEY@udp:HOST:PORT (64 hex digits of the prober supernode's Noise key).");
  return [...previous, { key: new Uint8Array(Buffer.from(m[1] as string, 'hex')), addresses: [e] }];
}

/** Adds `login-server`. */
export function addLoginServerCommand(program: Command, io: CliIo): void {
  const cmd = program
    .command('login-server')
    .description("run the network's login server (accounts with OPAQUE, certificates) until SIGINT or SIGTERM")
    .requiredOption('--network <dir>', 'the network directory (network.json, ca.key, login-server.key)')
    .option('--listen <host:port>', `where to listen, UDP and TCP on the same port number (default ${DEFAULT_LISTEN}; port 0: any)`)
    .option('--tcp-port <port>', 'listen on TCP on this port instead (for example 443, for networks that block UDP)')
    .option('--no-tcp', 'UDP only')
    .option('--limit <name=value>', `set a named limit (repeatable): ${Object.keys(DEFAULT_LOGIN_LIMITS).join(', ')}`, collectLimit, {})
    .option('--open-supernodes', 'open mode: certify any supernode that proves its address is reachable (checked from another socket, or by --prober)')
    .option('--prober <key@udp:host:port>', 'open mode: a supernode on another host that checks reachability for this server (repeatable; tried in turn)', proberOption, [])
    .option('--db <url>', 'sqlite:PATH (default: DIR/login.db) or postgres://user:password@host:port/database')
    .action(async (opts: { network: string; listen?: string; tcpPort?: string; tcp: boolean; db?: string; limit: Partial<Record<keyof LoginLimits, number>>; openSupernodes?: boolean; prober: Prober[] }) => {
      if (opts.prober.length > 0 && opts.openSupernodes !== true) throw new CliError('--prober needs --open-supernodes', EXIT_USAGE, commandPath(cmd));
      const listen = parseEndpoint(opts.listen ?? DEFAULT_LISTEN);
      if (!listen) throw new CliError(`--listen ${JSON.stringify(opts.listen)} is not host:port`, EXIT_USAGE, commandPath(cmd));
      let tcpPort: number | null | undefined = opts.tcp ? undefined : null;
      if (opts.tcpPort !== undefined) {
        if (!/^[0-9]{1,5}$/.test(opts.tcpPort) || Number(opts.tcpPort) > 0xffff) throw new CliError(`--tcp-port ${JSON.stringify(opts.tcpPort)} is not a port number (0-65535)`, EXIT_USAGE, commandPath(cmd));
        if (!opts.tcp) throw new CliError('--tcp-port and --no-tcp contradict each other', EXIT_USAGE, commandPath(cmd));
        tcpPort = Number(opts.tcpPort);
      }
      let store: LoginStore;
      try {
        store = openStore(opts.db, opts.network);
      } catch (e) {
        throw new CliError(e instanceof Error ? e.message : String(e), EXIT_USAGE, commandPath(cmd));
      }
      let server;
      try {
        server = await startLoginServer({ directory: opts.network, host: listen.host, port: listen.port, tcpPort, store, limits: opts.limit, openSupernodes: opts.openSupernodes === true ? { probe: (key, endpoints) => probeReachable(key, endpoints), validityMs: OPEN_SUPERNODE_VALIDITY_MS } : null, probers: opts.prober, onError: (e) => io.stderr.write(`parley: login server: ${e.message}\n`) });
      } catch (e) {
        throw new CliError(`cannot start the login server: ${e instanceof Error ? e.message : String(e)}`, EXIT_FAILURE);
      }
      const endpoints = [`udp:${formatEndpoint(server.host, server.port)}`, ...(server.tcpPort !== null ? [`tcp:${formatEndpoint(server.host, server.tcpPort)}`] : [])];
      io.stdout.write(`${JSON.stringify({ listening: endpoints, port: server.port, tcpPort: server.tcpPort })}\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.close();
    });
}
