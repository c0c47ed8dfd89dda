/**
 * The NAT lab's network (shared by lab-run.ts's matrix and call-lab.ts's calls): the "internet"
 * namespace with the login server and three supernodes (UDP, and TCP 443), accounts and profiles
 * for daemons in sites' namespaces, and running `parley` commands inside namespaces.
 */

import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import type { NatLab } from './lab.js';

/** The parley CLI, run inside namespaces. */
export const PARLEY_MAIN = fileURLToPath(new URL('../cli/main.js', import.meta.url));
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
export interface Daemon {
  readonly namespace: string;
  readonly name: string;
  readonly user: string;
  readonly profile: string;
}

/** Runs a command in a namespace: its exit code and output (killed after COMMAND_TIMEOUT_MS). */
export async function runIn(lab: NatLab, namespace: string, args: readonly string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
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
export async function mustRun(lab: NatLab, namespace: string, args: readonly string[], input?: string): Promise<string> {
  const r = await runIn(lab, namespace, args, input);
  if (r.code !== 0) throw new Error(`parley ${args.slice(0, 3).join(' ')} failed (exit ${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** Starts a long-running parley process in a namespace and returns its first stdout line, parsed. */
export async function startIn(lab: NatLab, namespace: string, args: readonly string[]): Promise<{ child: ChildProcess; ready: Record<string, unknown> }> {
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
export async function fetchIn(lab: NatLab, namespace: string, url: string): Promise<string | null> {
  try {
    return await lab.exec(namespace, process.execPath, '-e', `fetch(${JSON.stringify(url)}).then((r) => r.text()).then((t) => process.stdout.write(t), () => process.exit(1))`);
  } catch {
    return null;
  }
}

/** Waits (polling every 200 ms, at most `ms`) until `check` holds. */
export async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`not within ${ms / 1000} s: ${what}`);
}

/** The lab's internet: supernodes and the login server running, and a way to make daemons' accounts. */
export async function startLabNetwork(lab: NatLab, dir: string, log: (line: string) => void): Promise<{ networkPath: string; addDaemon: (name: string, namespace: string) => Promise<Daemon> }> {
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

  const addDaemon = async (name: string, namespace: string): Promise<Daemon> => {
    const user = name.toLowerCase();
    const profile = join(dir, name);
    await mustRun(lab, lab.internet, ['account', 'register', user, '--network', networkPath, '--password-stdin'], `${user} natlab pw\n`);
    await mustRun(lab, lab.internet, ['login', user, '--network', networkPath, '--profile', profile, '--password-stdin'], `${user} natlab pw\n`);
    return { namespace, name, user, profile };
  };
  return { networkPath, addDaemon };
}
