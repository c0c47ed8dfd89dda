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

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { labUnavailable, NatLab, removeLeftovers, upnpUnavailable, type LabHost } from './lab.js';
import { LAB_RUN_PREFIX, runIn, startIn, startLabNetwork, type Daemon } from './lab-network.js';
import { expectedPath, LAB_EXTRAS, labPairs, meets, summarize, type LabPath, type LabRow } from './matrix.js';
import { NAT_KINDS, type NatKind } from './nat-rules.js';

export { LAB_RUN_PREFIX };

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
    const { networkPath, addDaemon: account } = await startLabNetwork(lab, dir, log);
    const daemons = new Map<string, Daemon>();
    const addDaemon = async (name: string, namespace: string): Promise<void> => void daemons.set(name, await account(name, namespace));
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
