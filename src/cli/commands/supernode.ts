/**
 * `parley supernode init DIR` makes a supernode's key; `parley supernode --network FILE
 * --key DIR [--listen HOST:PORT] [--tcp-listen HOST:PORT | --no-tcp] [--data DIR] [--admin
 * HOST:PORT] [--bootstrap KEY@udp:HOST:PORT]... [--log-level LEVEL]` runs it until SIGINT or
 * SIGTERM, then leaves gracefully (its slots handed over first).
 */

import { type Command, InvalidArgumentError } from 'commander';
import { destination, pino } from 'pino';

import { parseServerEndpoint } from '../../login/network-file.js';
import { initSupernodeKey, loadSupernodeIdentity, loadSupernodeKeyPair, SupernodeIdentityError } from '../../supernode/identity.js';
import { obtainOpenCertificate } from '../../supernode/open-mode.js';
import { startSupernode } from '../../supernode/runtime.js';
import { formatEndpoint, parseEndpoint } from '../../wire/address.js';
import { CliError } from '../errors.js';
import { logLevelHelp, readLogLevel } from '../log-level.js';
import { readNetworkOption } from '../network-option.js';
import { EXIT_FAILURE, EXIT_USAGE } from '../exit-codes.js';
import { type CliIo, writeJson } from '../io.js';
import { commandPath } from '../usage.js';

/** In open mode a certificate is asked for again when it ends within this long. */
const OPEN_RENEW_BEFORE_MS = 60 * 60 * 1000;
/** Where a supernode listens unless told: every address, UDP and TCP. */
export const DEFAULT_SUPERNODE_LISTEN = '[::]:33034';

function endpointOption(what: string) {
  return (text: string): { host: string; port: number } => {
    const e = parseEndpoint(text);
    if (!e) throw new InvalidArgumentError(`Expected host:port for ${what} ([v6]:port for IPv6).`);
    return e;
  };
}

function bootstrapOption(text: string, previous: { id: string; host: string; port: number }[]): { id: string; host: string; port: number }[] {
  const m = /^([0-9a-f]{64})@(.+)$/.exec(text);
  const e = m ? parseServerEndpoint(m[2] as string) : null;
  if (!m || e?.transport !== 'udp') throw new InvalidArgumentError('Expected KEY@udp:HOST:PORT (64 hex digits of the supernode\'s Noise key).');
  return [...previous, { id: m[1] as string, host: e.host, port: e.port }];
}

/** Adds `supernode` and `supernode init`. */
export function addSupernodeCommands(program: Command, io: CliIo): void {
  const cmd = program
    .command('supernode')
    .description('run a supernode (directory, STUN) until SIGINT or SIGTERM; `supernode init DIR` makes its key')
    .option('--network <file>', 'the network.json of the network')
    .option('--key <dir>', 'the key directory (supernode.key, supernode.cert)')
    .option('--listen <host:port>', `UDP (and TCP unless --tcp-listen or --no-tcp) address (default ${DEFAULT_SUPERNODE_LISTEN})`, endpointOption('--listen'))
    .option('--tcp-listen <host:port>', 'TCP address for clients behind UDP-blocking firewalls (for example [::]:443)', endpointOption('--tcp-listen'))
    .option('--no-tcp', 'no TCP listener')
    .option('--data <dir>', 'where the membership table is kept (default: the key directory)')
    .option('--admin <host:port>', 'serve /metrics (Prometheus) and /health here (for example 127.0.0.1:9464)', endpointOption('--admin'))
    .option('--bootstrap <key@udp:host:port>', 'a supernode to join through, beyond network.json (repeatable)', bootstrapOption, [])
    .option('--open', "open mode: get the certificate from the network's login server, which first checks that --endpoint is reachable")
    .option('--endpoint <udp:host:port>', 'the public endpoint to certify in open mode (default: --listen, if it names one address)')
    .option('--log-level <level>', logLevelHelp('info'))
    .action(async (opts: { network?: string; key?: string; listen?: { host: string; port: number }; tcpListen?: { host: string; port: number }; tcp: boolean; data?: string; admin?: { host: string; port: number }; bootstrap: { id: string; host: string; port: number }[]; logLevel?: string; open?: boolean; endpoint?: string }) => {
      if (!opts.network || !opts.key) throw new CliError('--network and --key are required', EXIT_USAGE, commandPath(cmd));
      const level = readLogLevel(opts.logLevel, 'info', commandPath(cmd));
      const network = readNetworkOption(opts.network, commandPath(cmd));
      const listen = opts.listen ?? (parseEndpoint(DEFAULT_SUPERNODE_LISTEN) as { host: string; port: number });
      const caKey = new Uint8Array(Buffer.from(network.ca.publicKey, 'hex'));
      if (opts.open === true) {
        let current = null;
        try {
          current = loadSupernodeIdentity(opts.key, caKey, network.name, Date.now() + OPEN_RENEW_BEFORE_MS);
        } catch {
          // missing, expired or expiring: ask for one
        }
        if (!current) {
          const endpoint = opts.endpoint ?? (listen.host === '::' || listen.host === '0.0.0.0' ? undefined : `udp:${formatEndpoint(listen.host, listen.port)}`);
          if (!endpoint || parseServerEndpoint(endpoint)?.transport !== 'udp') throw new CliError('open mode needs --endpoint udp:HOST:PORT (the public address to certify)', EXIT_USAGE, commandPath(cmd));
          try {
            initSupernodeKey(opts.key);
            const keyPair = loadSupernodeKeyPair(opts.key);
            await obtainOpenCertificate({ network, keyPair, keyDir: opts.key, listen, endpoints: [endpoint] });
          } catch (e) {
            throw new CliError(`open mode: no certificate from the login server: ${e instanceof Error ? e.message : String(e)}`, EXIT_FAILURE);
          }
        }
      }
      let identity;
      try {
        identity = loadSupernodeIdentity(opts.key, new Uint8Array(Buffer.from(network.ca.publicKey, 'hex')), network.name, Date.now());
      } catch (e) {
        if (e instanceof SupernodeIdentityError) throw new CliError(e.message, EXIT_USAGE, commandPath(cmd));
        throw new CliError(`cannot read the key directory ${opts.key}: ${e instanceof Error ? e.message : String(e)}`, EXIT_USAGE, commandPath(cmd));
      }
      const tcpListen = !opts.tcp ? null : (opts.tcpListen ?? listen);
      const logger = pino({ level, base: { role: 'supernode' } }, destination(2));
      let running;
      try {
        running = await startSupernode({ network, identity, listen, tcpListen, dataDir: opts.data ?? opts.key, admin: opts.admin ?? null, bootstrap: opts.bootstrap, logger });
      } catch (e) {
        throw new CliError(`cannot start the supernode: ${e instanceof Error ? e.message : String(e)}`, EXIT_FAILURE);
      }
      writeJson(io.stdout, {
        id: running.id,
        listening: [`udp:${formatEndpoint(running.udp.host, running.udp.port)}`, ...(running.tcp ? [`tcp:${formatEndpoint(running.tcp.host, running.tcp.port)}`] : [])],
        port: running.udp.port,
        admin: running.admin ? formatEndpoint(running.admin.host, running.admin.port) : null,
      });
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await running.stop();
    });
  cmd
    .command('init')
    .description("make a supernode's Noise key in a key directory (kept if it exists) and print its public key")
    .argument('<dir>', 'the key directory')
    .option('--json', 'print { publicKey, created } as JSON')
    .action((dir: string, opts: { json?: boolean }) => {
      let r;
      try {
        r = initSupernodeKey(dir);
      } catch (e) {
        throw new CliError(`cannot make the key in ${dir}: ${e instanceof Error ? e.message : String(e)}`, EXIT_FAILURE);
      }
      const publicKey = Buffer.from(r.publicKey).toString('hex');
      if (opts.json === true) writeJson(io.stdout, { publicKey, created: r.created });
      else io.stdout.write(`${r.created ? 'made' : 'kept'} the supernode key; public key ${publicKey}\nnext: parley network issue-supernode --noise-key ${publicKey} --endpoint udp:HOST:PORT --out ${dir}/supernode.cert\n`);
    });
}
