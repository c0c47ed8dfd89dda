/**
 * `parley nat probe (--stun udp:HOST:PORT... | --network FILE) [--port N] [--json]`: which NAT
 * mapping this host is behind, from the reflexive addresses two or more STUN binding servers
 * (supernodes, on their UDP port) report for one local socket (src/nat/).
 */

import { type Command, InvalidArgumentError } from 'commander';

import { firstUdpEndpoint, parseServerEndpoint } from '../../login/network-file.js';
import { probeMapping } from '../../nat/probe.js';
import { formatEndpoint } from '../../wire/address.js';
import { CliError } from '../errors.js';
import { EXIT_USAGE } from '../exit-codes.js';
import { type CliIo, writeJson } from '../io.js';
import { readNetworkOption } from '../network-option.js';
import { commandPath } from '../usage.js';

/** Servers asked at most. */
const PROBE_SERVERS_MAX = 8;

const stunServer = (text: string, previous: { host: string; port: number }[] = []): { host: string; port: number }[] => {
  const e = parseServerEndpoint(text);
  if (!e || e.transport !== 'udp' || e.host.includes(':')) throw new InvalidArgumentError('Expected udp:IPv4:PORT.');
  return [...previous, { host: e.host, port: e.port }];
};

const localPort = (text: string): number => {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 0xffff) throw new InvalidArgumentError('Expected a port, 0-65535.');
  return Number(text);
};

/** Adds `probe` under `nat`. */
export function addNatProbeCommand(nat: Command, io: CliIo): void {
  const cmd = nat
    .command('probe')
    .description("which NAT mapping this host is behind: ask two or more STUN servers (a network's supernodes) for the address they see")
    .option('--stun <udp:host:port>', 'a STUN binding server (repeat; two or more tell the mapping)', stunServer)
    .option('--network <file>', "ask this network's bootstrap supernodes (their IPv4 UDP endpoints)")
    .option('--port <n>', 'the local UDP port (default: any)', localPort)
    .option('--json', 'print JSON')
    .action(async (opts: { stun?: { host: string; port: number }[]; network?: string; port?: number; json?: boolean }) => {
      const servers = [...(opts.stun ?? [])];
      if (opts.network !== undefined) {
        const network = readNetworkOption(opts.network, commandPath(cmd));
        for (const s of network.bootstrapSupernodes) {
          const udp = firstUdpEndpoint(s.endpoints, { ipv4Only: true });
          if (udp) servers.push({ host: udp.host, port: udp.port });
        }
      }
      if (servers.length === 0) throw new CliError('give --stun udp:HOST:PORT (twice or more) or --network FILE', EXIT_USAGE, commandPath(cmd));
      const probe = await probeMapping(servers.slice(0, PROBE_SERVERS_MAX), opts.port ?? 0);
      if (opts.json === true) {
        writeJson(io.stdout, probe);
        return;
      }
      for (const a of probe.answers) io.stdout.write(`${formatEndpoint(a.server.host, a.server.port).padEnd(24)} sees ${a.reflexive ? formatEndpoint(a.reflexive.host, a.reflexive.port) : 'nothing (no answer)'}\n`);
      io.stdout.write(`mapping: ${probe.behaviour} (local port ${probe.localPort})\n`);
    });
}
