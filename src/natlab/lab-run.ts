/**
 * The NAT lab run (`npm run natlab [-- --json]`, issue #7): a whole Parley network in network
 * namespaces with the kernel's NAT. The lab's "internet" holds the login server and three
 * supernodes, each listening on UDP and on TCP 443; two sites, A and B, of every kind
 * (nat-rules.ts) hold one `parley node` daemon each, with its own account. For every pair of kinds
 * (matrix.ts), and for the other cases (a NAT behind a NAT, two hosts behind one NAT, IPv6 behind
 * stateful firewalls, a symmetric NAT whose miniupnpd maps ports), the daemon of site A runs `parley reach` to the daemon of site B: a session through a
 * relay, bytes there and back, then the connectivity checks' direct path if the NATs allow one.
 * Every namespace is torn down at the end, also when the run fails or is interrupted.
 */

import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { labUnavailable, NatLab, removeLeftovers, upnpUnavailable, type LabHost } from './lab.js';
import { expectedPath, LAB_EXTRAS, labPairs, meets, summarize, type LabPath, type LabRow } from './matrix.js';
import { NAT_KINDS, type NatKind } from './nat-rules.js';

/** The parley CLI, run inside namespaces. */
const PARLEY_MAIN = fileURLToPath(new URL('../cli/main.js', import.meta.url));
/** Namespace names start with this (and the run's process id), so leftovers of a crashed run can be found. */
export const LAB_RUN_PREFIX = 'pnl';
/** Ports of the lab's servers (inside the lab's own namespaces, where nothing else can hold them). */
const SUPERNODE_UDP_PORT = 4000;
const LOGIN_UDP_PORT = 4100;
const TCP_PORT = 443;
/** How long one CLI command in the lab may take. */
const COMMAND_TIMEOUT_MS = 60_000;
/** How long a daemon may take to print its ready line, and the supernodes to see each other. */
const START_TIMEOUT_MS = 30_000;
/** How long `parley reach` waits for a direct path after the first bytes. */
export const LAB_DIRECT_WAIT_S = 6;
/** A pair whose other daemon is not in the directory yet is tried again for this long. */
const REACH_RETRY_MS = 20_000;

/** What the run prints. */
export interface LabReport {
  readonly rows: LabRow[];
  readonly summary: ReturnType<typeof summarize>;
}

/** Progress lines (stderr), so a long run shows where it is. */
export type LabLog = (line: string) => void;

interface Daemon {
  readonly namespace: string;
  readonly name: string;
  readonly user: string;
  readonly profile: string;
}

/** Runs a command in a namespace: its exit code and output (killed after COMMAND_TIMEOUT_MS). */
async function runIn(lab: NatLab, namespace: string, args: readonly string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = lab.spawn(namespace, process.execPath, [PARLEY_MAIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin?.end(input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), COMMAND_TIMEOUT_MS);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code: code ?? -1, stdout, stderr };
}

/** Runs a command that must succeed; its stdout. */
async function mustRun(lab: NatLab, namespace: string, args: readonly string[], input?: string): Promise<string> {
  const r = await runIn(lab, namespace, args, input);
  if (r.code !== 0) throw new Error(`parley ${args.slice(0, 3).join(' ')} failed (exit ${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** Starts a long-running parley process in a namespace and returns its first stdout line, parsed. */
async function startIn(lab: NatLab, namespace: string, args: readonly string[]): Promise<{ child: ChildProcess; ready: Record<string, unknown> }> {
  const child = lab.spawn(namespace, process.execPath, [PARLEY_MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const line = once(createInterface({ input: child.stdout as NodeJS.ReadableStream }), 'line') as Promise<[string]>;
  const exited = once(child, 'exit').then(() => Promise.reject(new Error(`parley ${args[0] ?? ''} exited: ${stderr.trim()}`)));
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`parley ${args[0] ?? ''} did not start in ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS).unref());
  const [first] = await Promise.race([line, exited, timeout]);
  return { child, ready: JSON.parse(first) as Record<string, unknown> };
}

/** Asks `fetch` inside a namespace (the admin page listens there): the body, or null. */
async function fetchIn(lab: NatLab, namespace: string, url: string): Promise<string | null> {
  try {
    return await lab.exec(namespace, process.execPath, '-e', `fetch(${JSON.stringify(url)}).then((r) => r.text()).then((t) => process.stdout.write(t), () => process.exit(1))`);
  } catch {
    return null;
  }
}

/** Waits (polling every 200 ms, at most `ms`) until `check` holds. */
async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`not within ${ms / 1000} s: ${what}`);
}

/** Builds the lab, runs the matrix, and tears everything down. */
export async function runNatLab(log: LabLog, kinds: readonly NatKind[] = NAT_KINDS): Promise<LabReport> {
  const prefix = `${LAB_RUN_PREFIX}${process.pid}`;
  await removeLeftovers(prefix);
  const dir = mkdtempSync(join(tmpdir(), 'parley-natlab-'));
  const lab = await NatLab.create(prefix);
  const interrupted = (): void => void lab.teardown().finally(() => process.exit(130));
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const net = join(dir, 'net');
    await mustRun(lab, lab.internet, ['network', 'init', net, '--name', 'natlab']);
    const networkPath = join(net, 'network.json');

    log('internet: three supernodes (UDP 4000, TCP 443) and the login server (UDP 4100, TCP 443)');
    const supernodes: { id: string; address: string; dir: string }[] = [];
    for (let i = 0; i < 3; i++) {
      const address = await lab.serverAddress();
      const snDir = join(dir, `sn${i}`);
      const { publicKey } = JSON.parse(await mustRun(lab, lab.internet, ['supernode', 'init', snDir, '--json'])) as { publicKey: string };
      await mustRun(lab, lab.internet, ['network', 'issue-supernode', '--network', net, '--noise-key', publicKey, '--endpoint', `udp:${address}:${SUPERNODE_UDP_PORT}`, '--endpoint', `tcp:${address}:${TCP_PORT}`, '--out', join(snDir, 'supernode.cert')]);
      supernodes.push({ id: publicKey, address, dir: snDir });
    }
    const loginAddress = await lab.serverAddress();
    const raw = JSON.parse(readFileSync(networkPath, 'utf8')) as { loginServers: { endpoints: string[] }[] };
    (raw.loginServers[0] as { endpoints: string[] }).endpoints = [`udp:${loginAddress}:${LOGIN_UDP_PORT}`, `tcp:${loginAddress}:${TCP_PORT}`];
    writeFileSync(networkPath, JSON.stringify({ ...raw, bootstrapSupernodes: supernodes.map((s) => ({ staticKey: s.id, endpoints: [`udp:${s.address}:${SUPERNODE_UDP_PORT}`, `tcp:${s.address}:${TCP_PORT}`] })) }));
    await startIn(lab, lab.internet, ['login-server', '--network', net, '--listen', `${loginAddress}:${LOGIN_UDP_PORT}`, '--tcp-port', String(TCP_PORT)]);
    const admins: string[] = [];
    for (const [i, s] of supernodes.entries()) {
      const args = ['supernode', '--network', networkPath, '--key', s.dir, '--listen', `${s.address}:${SUPERNODE_UDP_PORT}`, '--tcp-listen', `${s.address}:${TCP_PORT}`, '--admin', '127.0.0.1:0', '--log-level', 'warn'];
      if (i > 0) args.push('--bootstrap', `${(supernodes[0] as { id: string }).id}@udp:${(supernodes[0] as { address: string }).address}:${SUPERNODE_UDP_PORT}`);
      admins.push(String((await startIn(lab, lab.internet, args)).ready['admin']));
    }
    await until(async () => (await Promise.all(admins.map((a) => fetchIn(lab, lab.internet, `http://${a}/health`)))).every((h) => h !== null && (JSON.parse(h) as { members: number }).members === supernodes.length), START_TIMEOUT_MS, 'the supernodes see each other');

    const daemons = new Map<string, Daemon>();
    const addDaemon = async (name: string, namespace: string): Promise<void> => {
      const user = name.toLowerCase();
      const profile = join(dir, name);
      await mustRun(lab, lab.internet, ['account', 'register', user, '--network', networkPath, '--password-stdin'], `${user} natlab pw\n`);
      await mustRun(lab, lab.internet, ['login', user, '--network', networkPath, '--profile', profile, '--password-stdin'], `${user} natlab pw\n`);
      daemons.set(name, { namespace, name, user, profile });
    };
    log(`sites A and B of each kind: ${kinds.join(', ')}; a daemon in each`);
    for (const side of ['A', 'B'] as const) for (const kind of kinds) await addDaemon(`${side}-${kind}`, (await lab.addSite(kind)).host);
    const noUpnp = await upnpUnavailable();
    const extras = kinds.length === NAT_KINDS.length ? LAB_EXTRAS.filter((c) => c.a !== 'A-upnp' || noUpnp === null) : [];
    if (extras.length > 0) {
      log('and: a NAT behind a NAT, two hosts behind one NAT, two sites with IPv6 behind stateful firewalls (IPv4 symmetric), a symmetric NAT that maps ports (miniupnpd)');
      if (noUpnp !== null) log(`not run: the symmetric NAT with miniupnpd: ${noUpnp}`);
      else await addDaemon('A-upnp', (await lab.addSite('symmetric', { upnp: true })).host);
      await addDaemon('A-nat-behind-nat', (await lab.addSite('port-restricted', { behind: 'port-restricted' })).host);
      const same = await lab.addSite('port-restricted', { hosts: 2 });
      await addDaemon('A-same-nat', (same.hosts[0] as LabHost).namespace);
      await addDaemon('B-same-nat', (same.hosts[1] as LabHost).namespace);
      for (const side of ['A', 'B']) await addDaemon(`${side}-ipv6-firewall`, (await lab.addSite('symmetric', { ipv6: true })).host);
    }
    await Promise.all([...daemons.values()].map((d) => startIn(lab, d.namespace, ['node', '--network', networkPath, '--profile', d.profile, '--log-level', 'warn'])));

    const rows: LabRow[] = [];
    const cases = [...labPairs(kinds).map((p) => ({ a: `A-${p.a}`, b: `B-${p.b}`, expected: expectedPath(p.a, p.b) })), ...extras];
    for (const c of cases) {
      const a = daemons.get(c.a) as Daemon;
      const b = daemons.get(c.b) as Daemon;
      let reached: { connected: boolean; path: LabPath | null; firstByteMs: number | null; directAfterMs: number | null } = { connected: false, path: null, firstByteMs: null, directAfterMs: null };
      const end = Date.now() + REACH_RETRY_MS;
      for (;;) {
        const r = await runIn(lab, a.namespace, ['reach', b.user, '--profile', a.profile, '--wait-direct', String(LAB_DIRECT_WAIT_S), '--json']);
        if (r.stdout.trim().startsWith('{')) reached = JSON.parse(r.stdout) as typeof reached;
        // Not in the directory yet (its record is still on its way): once more, a little later.
        if (reached.connected || !/NOT_FOUND/.test(r.stderr) || Date.now() > end) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const row: LabRow = { a: a.name, b: b.name, connected: reached.connected, path: reached.path, firstByteMs: reached.firstByteMs, directAfterMs: reached.directAfterMs, expected: c.expected, met: meets(c.expected, reached.connected, reached.path) };
      rows.push(row);
      log(`${row.a.padEnd(22)} -> ${row.b.padEnd(22)} ${row.connected ? (row.path ?? '') : 'NOT CONNECTED'}${row.firstByteMs !== null ? `, first byte ${row.firstByteMs} ms` : ''}${row.directAfterMs !== null ? `, direct after ${row.directAfterMs} ms` : ''}${row.met ? '' : `  (target: ${c.expected})`}`);
    }
    return { rows, summary: summarize(rows) };
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await lab.teardown();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs of the lab at most in one command. */
export const LAB_RUNS_MAX = 100;
const USAGE = 'usage: npm run natlab [-- [--json] [--kinds KIND,KIND...] [--runs N]]';

/** The command line: --json, --kinds (a subset of the kinds), --runs (the whole lab again, for rates). */
export function parseLabArgs(argv: readonly string[]): { json: boolean; kinds: NatKind[]; runs: number } | { error: string } {
  let json = false;
  let kinds: NatKind[] = [...NAT_KINDS];
  let runs = 1;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--json') json = true;
    else if (a === '--kinds' || a === '--runs') {
      const v = argv[++i];
      if (v === undefined) return { error: `${a} needs a value` };
      if (a === '--runs') {
        if (!/^\d{1,3}$/.test(v) || Number(v) < 1 || Number(v) > LAB_RUNS_MAX) return { error: `--runs ${JSON.stringify(v)} is not 1 to ${LAB_RUNS_MAX}` };
        runs = Number(v);
      } else {
        const named = v.split(',');
        const bad = named.find((k) => !(NAT_KINDS as readonly string[]).includes(k));
        if (bad !== undefined) return { error: `--kinds: ${JSON.stringify(bad)} is not one of ${NAT_KINDS.join(', ')}` };
        kinds = NAT_KINDS.filter((k) => named.includes(k));
      }
    } else return { error: `unknown argument ${JSON.stringify(a)}` };
  }
  return { json, kinds, runs };
}

/** `npm run natlab [-- --json]`: the run, or why it cannot run here (exit 0, nothing run). */
export async function natLabMain(argv: readonly string[], out: (text: string) => void, err: (text: string) => void): Promise<number> {
  const args = parseLabArgs(argv);
  if ('error' in args) {
    err(`natlab: ${args.error} (${USAGE})\n`);
    return 2;
  }
  const { json } = args;
  const unavailable = await labUnavailable();
  if (unavailable) {
    if (json) out(`${JSON.stringify({ skipped: unavailable })}\n`);
    else out(`natlab: not run: ${unavailable}\n`);
    return 0;
  }
  const rows: LabRow[] = [];
  for (let run = 1; run <= args.runs; run++) {
    if (args.runs > 1) err(`natlab: run ${run} of ${args.runs}\n`);
    rows.push(...(await runNatLab((line) => err(`natlab: ${line}\n`), args.kinds)).rows);
  }
  const report: LabReport = { rows, summary: summarize(rows) };
  const s = report.summary;
  if (json) out(`${JSON.stringify(report, null, 2)}\n`);
  else out(`natlab: ${s.connected}/${s.pairs} pairs connected, ${s.met}/${s.pairs} on target; first byte p50 ${s.firstByteP50Ms ?? '-'} ms, max ${s.firstByteMaxMs ?? '-'} ms\n`);
  return s.connected === s.pairs ? 0 : 1;
}
