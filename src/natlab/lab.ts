/**
 * The NAT lab's network (../shared/NATLAB.md): Linux network namespaces joined by veth pairs,
 * with the kernel's own NAT (nftables) on each router. Needs root, `ip` (iproute2) and `nft`.
 *
 * Topology: one "internet" namespace holding a bridge on 198.51.100.0/24 (servers take their
 * addresses on it); per site either a host on the bridge itself (`public`) or a router whose WAN
 * is on the bridge and whose LAN (10.<n>.0.0/24) holds the site's host, with the NAT of the
 * site's kind. Every namespace is named after the lab's prefix, so `teardown()` (and
 * `removeLeftovers`, for a lab that died) deletes exactly the lab's namespaces and nothing else.
 * Test traffic never leaves them: none has a route to anything outside.
 */

import { execFile, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { promisify } from 'node:util';

import { routerRules, type NatKind } from './nat-rules.js';

const run = promisify(execFile);

/** The lab's internet: a /24 of TEST-NET-2 (RFC 5737), never routed anywhere. */
export const LAB_INTERNET_PREFIX = '198.51.100';
/** Servers' addresses start here on the internet bridge (.10, .11, ...). */
export const LAB_SERVER_FIRST = 10;
/** Sites' WAN (or public host) addresses start here (.100, .101, ...). */
export const LAB_SITE_FIRST = 100;
/** Sites at most (LAN prefixes 10.1 ... 10.100). */
export const LAB_SITES_MAX = 100;

/** One site: its host's namespace and addresses. */
export interface LabSite {
  readonly kind: NatKind;
  readonly index: number;
  /** The namespace the site's host (a daemon) runs in. */
  readonly host: string;
  readonly hostAddress: string;
  /** The router's namespace, or null for `public`. */
  readonly router: string | null;
  /** The address the internet sees (the router's WAN, or the public host's). */
  readonly publicAddress: string;
}

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

  /** Adds a site of this kind: a public host on the bridge, or a router with that NAT and a host behind it. */
  async addSite(kind: NatKind): Promise<LabSite> {
    if (this.sites >= LAB_SITES_MAX) throw new RangeError(`at most ${LAB_SITES_MAX} sites`);
    const index = ++this.sites;
    const publicAddress = `${LAB_INTERNET_PREFIX}.${LAB_SITE_FIRST + index}`;
    const host = `${this.prefix}-h${index}`;
    await this.namespace(host);
    if (kind === 'public') {
      await this.wire(host, 'eth0', this.internet, `s${index}`);
      await this.ip(this.internet, 'link', 'set', `s${index}`, 'master', 'br0');
      await this.ip(host, 'addr', 'add', `${publicAddress}/24`, 'dev', 'eth0');
      return { kind, index, host, hostAddress: publicAddress, router: null, publicAddress };
    }
    const router = `${this.prefix}-r${index}`;
    await this.namespace(router);
    await this.wire(router, 'wan', this.internet, `s${index}`);
    await this.ip(this.internet, 'link', 'set', `s${index}`, 'master', 'br0');
    await this.ip(router, 'addr', 'add', `${publicAddress}/24`, 'dev', 'wan');
    await this.wire(router, 'lan', host, 'eth0');
    const lan = `10.${index}.0`;
    await this.ip(router, 'addr', 'add', `${lan}.1/24`, 'dev', 'lan');
    await this.ip(host, 'addr', 'add', `${lan}.2/24`, 'dev', 'eth0');
    await this.ip(host, 'route', 'add', 'default', 'via', `${lan}.1`);
    await this.exec(router, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
    const rules = routerRules(kind, publicAddress);
    if (rules) await this.nft(router, rules);
    return { kind, index, host, hostAddress: `${lan}.2`, router, publicAddress };
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
  }

  private async namespace(name: string): Promise<void> {
    await run('ip', ['netns', 'add', name]);
    this.namespaces.push(name);
    await this.ip(name, 'link', 'set', 'lo', 'up');
  }

  /** A veth pair: `a` in namespace `nsA`, `b` in `nsB`, both up. */
  private async wire(nsA: string, a: string, nsB: string, b: string): Promise<void> {
    await run('ip', ['link', 'add', `${this.prefix.slice(0, 6)}x${this.sites}`, 'netns', nsA, 'type', 'veth', 'peer', 'name', `${this.prefix.slice(0, 6)}y${this.sites}`, 'netns', nsB]);
    await this.ip(nsA, 'link', 'set', `${this.prefix.slice(0, 6)}x${this.sites}`, 'name', a);
    await this.ip(nsB, 'link', 'set', `${this.prefix.slice(0, 6)}y${this.sites}`, 'name', b);
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
