/**
 * The NAT lab's network (../shared/NATLAB.md): Linux network namespaces joined by veth pairs,
 * with the kernel's own NAT (nftables) on each router. Needs root, `ip` (iproute2) and `nft`.
 *
 * Topology: one "internet" namespace holding a bridge on 198.51.100.0/24 (servers take their
 * addresses on it); per site either a host on the bridge itself (`public`) or a router whose WAN
 * is on the bridge and whose LAN (10.<n>.0.0/24) holds the site's host, with the NAT of the
 * site's kind. A site may have several hosts on one LAN (both peers behind one NAT), its router
 * may sit behind a second NAT (carrier-grade: 100.64.<n>.0/24 between the two), and it may have
 * global IPv6 addresses (2001:db8:<n>::/64, routed between such sites over the bridge) behind a
 * stateful firewall that drops unsolicited inbound packets. A router may also forward the ports
 * that Debian's miniupnpd maps for its hosts (NAT-PMP, PCP); such a router's WAN address is on a
 * second subnet of the bridge, LAB_UPNP_PREFIX, since miniupnpd refuses to map on a reserved
 * address and every documentation range is one. Every namespace is named after the lab's prefix, so `teardown()` (and
 * `removeLeftovers`, for a lab that died) deletes exactly the lab's namespaces and nothing else.
 * Test traffic never leaves them: none has a route to anything outside.
 */

import { execFile, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { DELAY_LINE_DEVICE, DELAY_LINE_PROGRAM, DELAY_MAX_MS, delayLineRouting, type DelayOptions } from './delay-line.js';
import { ipv6FirewallRules, miniupnpdConfig, miniupnpdRules, routerRules, type NatKind } from './nat-rules.js';

const run = promisify(execFile);

/** The lab's internet: a /24 of TEST-NET-2 (RFC 5737), never routed anywhere. */
export const LAB_INTERNET_PREFIX = '198.51.100';
/** Servers' addresses start here on the internet bridge (.10, .11, ...). */
export const LAB_SERVER_FIRST = 10;
/** Sites' WAN (or public host) addresses start here (.100, .101, ...). */
export const LAB_SITE_FIRST = 100;
/**
 * The bridge's second subnet, for routers that run miniupnpd. Not a documentation range (miniupnpd
 * maps nothing on those), so it must never leave the lab: like everything here it exists only in
 * the lab's namespaces, which have no route to anywhere else.
 */
export const LAB_UPNP_PREFIX = '198.51.101';
/** How long the delay line (delay-line.ts) may take to open its device. */
const DELAY_LINE_START_MS = 10_000;
/** How long miniupnpd may take to start listening. */
const MINIUPNPD_START_MS = 10_000;
/** Sites at most (LAN prefixes 10.1 ... 10.100). */
export const LAB_SITES_MAX = 100;

/** One host of a site. */
export interface LabHost {
  readonly namespace: string;
  readonly address: string;
  /** Its global IPv6 address, on a site with IPv6. */
  readonly ipv6: string | null;
}

/** One site: its hosts' namespaces and addresses. */
export interface LabSite {
  readonly kind: NatKind;
  readonly index: number;
  /** The namespace the site's (first) host (a daemon) runs in, and its address. */
  readonly host: string;
  readonly hostAddress: string;
  /** Every host of the site, the first one first. */
  readonly hosts: readonly LabHost[];
  /** The router's namespace, or null for `public`. */
  readonly router: string | null;
  /** The carrier-grade NAT's namespace in front of the router, or null. */
  readonly outerRouter: string | null;
  /** The address the internet sees (the outermost router's WAN, or the public host's). */
  readonly publicAddress: string;
}

/** What else a site has. */
export interface SiteOptions {
  /** Hosts on the site's LAN (default 1; 2 for two peers behind one NAT). */
  readonly hosts?: number;
  /** A NAT of this kind in front of the site's router (carrier-grade NAT, a NAT behind a NAT). */
  readonly behind?: NatKind;
  /** Global IPv6 addresses behind a stateful firewall (inbound only on flows the inside began). */
  readonly ipv6?: boolean;
  /** The router runs miniupnpd and forwards the ports it maps (port-restricted or symmetric kinds). */
  readonly upnp?: boolean;
}

/** Why a router with miniupnpd cannot run here, or null when it can. */
export async function upnpUnavailable(): Promise<string | null> {
  try {
    await run('sh', ['-c', 'command -v miniupnpd']);
    return null;
  } catch {
    return 'miniupnpd is not installed (Debian package miniupnpd-nftables; .ci/run installs it)';
  }
}

/** Hosts on one site's LAN at most. */
export const LAB_HOSTS_PER_SITE_MAX = 8;

/** Why the lab cannot run here, or null when it can. */
export async function labUnavailable(): Promise<string | null> {
  if (process.getuid?.() !== 0) return 'the NAT lab needs root (network namespaces and nftables); CI runs it as root';
  for (const tool of ['ip', 'nft']) {
    try {
      await run('sh', ['-c', `command -v ${tool}`]);
    } catch {
      return `the NAT lab needs ${tool} (Debian packages iproute2 and nftables; .ci/run installs them)`;
    }
  }
  return null;
}

/** Deletes every namespace whose name starts with `prefix` (a lab that died without tearing down). */
export async function removeLeftovers(prefix: string): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list']);
  const names = stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(prefix));
  for (const n of names) await run('ip', ['netns', 'del', n]).catch(() => undefined);
  return names;
}

/** A lab under construction or running. */
export class NatLab {
  private readonly namespaces: string[] = [];
  private readonly children = new Set<ChildProcess>();
  private sites = 0;
  private servers = 0;
  private wires = 0;
  /** Sites with IPv6: their index and router (routes to each other's /64 go over the bridge). */
  private readonly ipv6Sites: { index: number; router: string }[] = [];
  /** Files of the lab's programs (miniupnpd's configuration), removed at teardown. */
  private dir: string | null = null;
  readonly internet: string;

  private constructor(readonly prefix: string) {
    this.internet = `${prefix}-inet`;
  }

  /** Builds the internet namespace with its bridge. `prefix` names every namespace of this lab. */
  static async create(prefix: string): Promise<NatLab> {
    const lab = new NatLab(prefix);
    try {
      await lab.namespace(lab.internet);
      await lab.ip(lab.internet, 'link', 'add', 'br0', 'type', 'bridge');
      await lab.ip(lab.internet, 'link', 'set', 'br0', 'up');
      await lab.ip(lab.internet, 'addr', 'add', `${LAB_INTERNET_PREFIX}.1/24`, 'dev', 'br0');
      await lab.ip(lab.internet, 'addr', 'add', `${LAB_UPNP_PREFIX}.1/24`, 'dev', 'br0');
    } catch (e) {
      await lab.teardown();
      throw e;
    }
    return lab;
  }

  /** A new server address on the internet bridge (for a supernode or the login server). */
  async serverAddress(): Promise<string> {
    const address = `${LAB_INTERNET_PREFIX}.${LAB_SERVER_FIRST + this.servers++}`;
    await this.ip(this.internet, 'addr', 'add', `${address}/24`, 'dev', 'br0');
    return address;
  }

  /** Adds a site of this kind: a public host on the bridge, or a router with that NAT and its hosts behind it. */
  async addSite(kind: NatKind, options: SiteOptions = {}): Promise<LabSite> {
    if (this.sites >= LAB_SITES_MAX) throw new RangeError(`at most ${LAB_SITES_MAX} sites`);
    const count = options.hosts ?? 1;
    if (!Number.isInteger(count) || count < 1 || count > LAB_HOSTS_PER_SITE_MAX) throw new RangeError(`a site has 1 to ${LAB_HOSTS_PER_SITE_MAX} hosts`);
    if (kind === 'public' && (count > 1 || options.behind !== undefined || options.ipv6)) throw new RangeError('a public site is one host on the internet');
    if (options.upnp && ((kind !== 'port-restricted' && kind !== 'symmetric') || options.behind !== undefined)) throw new RangeError('miniupnpd runs on a port-restricted or symmetric router on the internet');
    const index = ++this.sites;
    const publicAddress = `${options.upnp ? LAB_UPNP_PREFIX : LAB_INTERNET_PREFIX}.${LAB_SITE_FIRST + index}`;
    const otherSubnet = `${options.upnp ? LAB_INTERNET_PREFIX : LAB_UPNP_PREFIX}.0/24`;
    if (kind === 'public') {
      const host = `${this.prefix}-h${index}`;
      await this.namespace(host);
      await this.wire(host, 'eth0', this.internet, `s${index}`);
      await this.ip(this.internet, 'link', 'set', `s${index}`, 'master', 'br0');
      await this.ip(host, 'addr', 'add', `${publicAddress}/24`, 'dev', 'eth0');
      await this.ip(host, 'route', 'add', otherSubnet, 'dev', 'eth0');
      return { kind, index, host, hostAddress: publicAddress, hosts: [{ namespace: host, address: publicAddress, ipv6: null }], router: null, outerRouter: null, publicAddress };
    }
    const router = `${this.prefix}-r${index}`;
    await this.namespace(router);
    let outerRouter: string | null = null;
    if (options.behind !== undefined) {
      // The carrier-grade NAT: its WAN on the internet, its LAN a bridge with the site's router on it.
      outerRouter = `${this.prefix}-c${index}`;
      await this.namespace(outerRouter);
      await this.wire(outerRouter, 'wan', this.internet, `s${index}`);
      await this.ip(this.internet, 'link', 'set', `s${index}`, 'master', 'br0');
      await this.ip(outerRouter, 'addr', 'add', `${publicAddress}/24`, 'dev', 'wan');
      await this.ip(outerRouter, 'route', 'add', otherSubnet, 'dev', 'wan');
      await this.bridge(outerRouter, 'lan', `100.64.${index}.1/24`);
      await this.wire(router, 'wan', outerRouter, 'p0');
      await this.ip(outerRouter, 'link', 'set', 'p0', 'master', 'lan');
      await this.ip(router, 'addr', 'add', `100.64.${index}.2/24`, 'dev', 'wan');
      await this.ip(router, 'route', 'add', 'default', 'via', `100.64.${index}.1`);
      await this.exec(outerRouter, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
      const outer = routerRules(options.behind, publicAddress);
      if (outer) await this.nft(outerRouter, outer);
    } else {
      await this.wire(router, 'wan', this.internet, `s${index}`);
      await this.ip(this.internet, 'link', 'set', `s${index}`, 'master', 'br0');
      await this.ip(router, 'addr', 'add', `${publicAddress}/24`, 'dev', 'wan');
      await this.ip(router, 'route', 'add', otherSubnet, 'dev', 'wan');
    }
    const lan = `10.${index}.0`;
    await this.bridge(router, 'lan', `${lan}.1/24`);
    const hosts: LabHost[] = [];
    for (let j = 0; j < count; j++) {
      const namespace = j === 0 ? `${this.prefix}-h${index}` : `${this.prefix}-h${index}-${j}`;
      await this.namespace(namespace);
      await this.wire(router, `l${j}`, namespace, 'eth0');
      await this.ip(router, 'link', 'set', `l${j}`, 'master', 'lan');
      const address = `${lan}.${2 + j}`;
      await this.ip(namespace, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
      await this.ip(namespace, 'route', 'add', 'default', 'via', `${lan}.1`);
      hosts.push({ namespace, address, ipv6: options.ipv6 ? `2001:db8:${index}::${2 + j}` : null });
    }
    await this.exec(router, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
    const rules = routerRules(kind, outerRouter === null ? publicAddress : `100.64.${index}.2`, options.upnp === true);
    if (rules) await this.nft(router, rules);
    if (options.ipv6) await this.addIpv6(index, router, hosts);
    if (options.upnp) await this.startMiniupnpd(router, publicAddress);
    const first = hosts[0] as LabHost;
    return { kind, index, host: first.namespace, hostAddress: first.address, hosts, router, outerRouter, publicAddress };
  }

  /**
   * Random loss on everything a site's router forwards, both ways: `percent` of packets dropped
   * (nftables' numgen). Delay and jitter are `delay`'s: the machines' kernels are built without
   * netem (CONFIG_NET_SCH_NETEM is not set).
   */
  async impair(site: LabSite, percent: number): Promise<void> {
    if (!site.router) throw new RangeError('a public site has no router to impair');
    if (!Number.isInteger(percent) || percent < 0 || percent > 100) throw new RangeError('loss is a whole percentage');
    await this.nft(site.router, `table inet impair {\n  chain forward {\n    type filter hook forward priority -10; policy accept;\n    numgen random mod 100 < ${percent} drop\n  }\n}\n`);
  }

  /**
   * Delay and jitter on everything a site's (first) host sends and receives: each packet is held
   * `delayMs` ± `jitterMs` (uniformly at random), by a delay line in the host's namespace
   * (delay-line.ts). It runs until teardown.
   */
  async delay(site: LabSite, o: DelayOptions): Promise<void> {
    if (!(o.delayMs >= 0 && o.jitterMs >= 0 && o.delayMs <= DELAY_MAX_MS && o.jitterMs <= o.delayMs)) throw new RangeError(`a delay is 0 to ${DELAY_MAX_MS} ms, and its jitter at most the delay`);
    const child = this.spawn(site.host, 'python3', ['-c', DELAY_LINE_PROGRAM, DELAY_LINE_DEVICE, String(o.delayMs), String(o.jitterMs), String(o.seed ?? 1)]);
    let said = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the delay line did not start in ${DELAY_LINE_START_MS / 1000} s: ${said.trim().slice(-500)}`)), DELAY_LINE_START_MS);
      child.stderr?.on('data', (d: Buffer) => (said += d.toString()));
      child.stdout?.on('data', (d: Buffer) => {
        said += d.toString();
        if (!/ready/.test(said)) return;
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the delay line stopped (exit ${code}): ${said.trim().slice(-500)}`));
      });
    });
    for (const command of delayLineRouting(site.hostAddress)) await this.exec(site.host, ...(command as [string, ...string[]]));
  }

  /** Global IPv6 on a site: 2001:db8:<n>::/64 on its LAN, its router's WAN 2001:db8:ffff::<n> on the bridge, routes to the other IPv6 sites, and the stateful firewall. */
  private async addIpv6(index: number, router: string, hosts: readonly LabHost[]): Promise<void> {
    await this.exec(router, 'sysctl', '-qw', 'net.ipv6.conf.all.forwarding=1');
    await this.ip(router, '-6', 'addr', 'add', `2001:db8:ffff::${index}/64`, 'dev', 'wan', 'nodad');
    await this.ip(router, '-6', 'addr', 'add', `2001:db8:${index}::1/64`, 'dev', 'lan', 'nodad');
    for (const h of hosts) {
      await this.ip(h.namespace, '-6', 'addr', 'add', `${h.ipv6 ?? ''}/64`, 'dev', 'eth0', 'nodad');
      await this.ip(h.namespace, '-6', 'route', 'add', 'default', 'via', `2001:db8:${index}::1`);
    }
    for (const other of this.ipv6Sites) {
      await this.ip(router, '-6', 'route', 'add', `2001:db8:${other.index}::/64`, 'via', `2001:db8:ffff::${other.index}`);
      await this.ip(other.router, '-6', 'route', 'add', `2001:db8:${index}::/64`, 'via', `2001:db8:ffff::${index}`);
    }
    this.ipv6Sites.push({ index, router });
    await this.nft(router, ipv6FirewallRules());
  }

  /** miniupnpd on a router (its chains first), until it listens for NAT-PMP. */
  private async startMiniupnpd(router: string, wan: string): Promise<void> {
    await this.nft(router, miniupnpdRules());
    this.dir ??= mkdtempSync(join(tmpdir(), 'parley-natlab-lab-'));
    const config = join(this.dir, `${router}.conf`);
    writeFileSync(config, miniupnpdConfig(wan, randomUUID()));
    const child = this.spawn(router, 'miniupnpd', ['-f', config, '-d', '-P', join(this.dir, `${router}.pid`)]);
    let said = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`miniupnpd did not start in ${MINIUPNPD_START_MS / 1000} s: ${said.slice(-500)}`)), MINIUPNPD_START_MS);
      const hear = (d: Buffer): void => {
        said += d.toString();
        if (/Listening for NAT-PMP/.test(said)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', hear);
      child.stderr?.on('data', hear);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`miniupnpd exited (${code ?? 'signal'}): ${said.slice(-500)}`));
      });
    });
  }

  /** A bridge in a namespace, up, with an address. */
  private async bridge(namespace: string, name: string, address: string): Promise<void> {
    await this.ip(namespace, 'link', 'add', name, 'type', 'bridge');
    await this.ip(namespace, 'link', 'set', name, 'up');
    await this.ip(namespace, 'addr', 'add', address, 'dev', name);
  }

  /** Runs a command in a namespace and returns its output (rejects on a non-zero exit). */
  async exec(namespace: string, command: string, ...args: string[]): Promise<string> {
    const { stdout } = await run('ip', ['netns', 'exec', namespace, command, ...args], { maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  }

  /** Starts a long-running process in a namespace; teardown() kills what is still running. */
  spawn(namespace: string, command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', namespace, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /** Kills every process it started and deletes every namespace it made. */
  async teardown(): Promise<void> {
    const running = [...this.children].filter((c) => c.exitCode === null && c.signalCode === null);
    const exited = running.map((c) => new Promise((resolve) => c.once('exit', resolve)));
    for (const c of running) c.kill('SIGKILL');
    await Promise.all(exited);
    for (const n of this.namespaces.splice(0).reverse()) await run('ip', ['netns', 'del', n]).catch(() => undefined);
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
  }

  private async namespace(name: string): Promise<void> {
    await run('ip', ['netns', 'add', name]);
    this.namespaces.push(name);
    await this.ip(name, 'link', 'set', 'lo', 'up');
  }

  /** A veth pair: `a` in namespace `nsA`, `b` in `nsB`, both up. */
  private async wire(nsA: string, a: string, nsB: string, b: string): Promise<void> {
    const n = ++this.wires;
    const [x, y] = [`${this.prefix.slice(0, 6)}x${n}`, `${this.prefix.slice(0, 6)}y${n}`];
    await run('ip', ['link', 'add', x, 'netns', nsA, 'type', 'veth', 'peer', 'name', y, 'netns', nsB]);
    await this.ip(nsA, 'link', 'set', x, 'name', a);
    await this.ip(nsB, 'link', 'set', y, 'name', b);
    await this.ip(nsA, 'link', 'set', a, 'up');
    await this.ip(nsB, 'link', 'set', b, 'up');
  }

  private async ip(namespace: string, ...args: string[]): Promise<void> {
    await run('ip', ['-n', namespace, ...args]);
  }

  private async nft(namespace: string, rules: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('ip', ['netns', 'exec', namespace, 'nft', '-f', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`nft in ${namespace}: ${err.trim()}`))));
      child.stdin.end(rules);
    });
  }
}
