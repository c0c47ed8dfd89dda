/** Test helpers: supernode processes on loopback, each with its key, certificate and data directory. */

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { formatEndpoint } from '../../src/wire/address.js';
import { freePort } from '../../src/util/free-port.js';
import { PARLEY_MAIN, runParley } from '../cli/parley-process.js';

export { freePort };

export interface Node {
  /** The address it listens on (127.0.0.1 or ::1). */
  host: string;
  key: string;
  dir: string;
  port: number;
  id: string;
  child: ChildProcess | null;
  admin: string;
}

/** Starts (or restarts) a supernode process and waits for its first line. */
export async function start(net: string, n: Node, bootstrap: Node | null): Promise<void> {
  const args = [PARLEY_MAIN, 'supernode', '--network', join(net, 'network.json'), '--key', n.dir, '--listen', formatEndpoint(n.host, n.port), '--admin', '127.0.0.1:0', '--log-level', 'warn'];
  if (bootstrap) args.push('--bootstrap', `${bootstrap.id}@udp:${formatEndpoint(bootstrap.host, bootstrap.port)}`);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: child.stdout as NodeJS.ReadableStream }), 'line')) as [string];
  const ready = JSON.parse(line) as { id: string; admin: string };
  assert.equal(ready.id, n.id);
  n.admin = ready.admin;
  n.child = child;
}

export async function health(n: Node): Promise<{ members: number; incarnation: number; records: number; offline: number }> {
  const res = await fetch(`http://${n.admin}/health`);
  return (await res.json()) as { members: number; incarnation: number; records: number; offline: number };
}

/** Polls `check` every 100 ms until it holds or `ms` pass. */
export async function eventually(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`not within ${ms} ms: ${what}`);
}

export async function stop(n: Node, signal: NodeJS.Signals): Promise<void> {
  const child = n.child;
  if (!child || child.exitCode !== null) return;
  child.kill(signal);
  await once(child, 'exit');
  n.child = null;
}


/** A network directory and `count` supernodes with keys and certificates (not started). */
/** Starts every supernode (the first alone, the others joining through it) and waits until each sees them all. */
export async function startAll(net: string, nodes: readonly Node[]): Promise<void> {
  for (const [i, n] of nodes.entries()) await start(net, n, i === 0 ? null : (nodes[0] as Node));
  await eventually(async () => (await Promise.all(nodes.map(health))).every((h) => h.members === nodes.length), 30_000, `${nodes.length} members`);
}

export async function makeSupernodes(root: string, name: string, count: number, host = '127.0.0.1'): Promise<{ net: string; nodes: Node[] }> {
  const net = join(root, name);
  assert.equal((await runParley(['network', 'init', net, '--name', name])).code, 0);
  const nodes: Node[] = [];
  for (let i = 0; i < count; i++) {
    const dir = join(root, `${name}-sn${i}`);
    const init = await runParley(['supernode', 'init', dir, '--json']);
    assert.equal(init.code, 0, init.stderr);
    const { publicKey } = JSON.parse(init.stdout) as { publicKey: string };
    const port = await freePort(host);
    const issued = await runParley(['network', 'issue-supernode', '--network', net, '--noise-key', publicKey, '--endpoint', `udp:${formatEndpoint(host, port)}`, '--out', join(dir, 'supernode.cert')]);
    assert.equal(issued.code, 0, issued.stderr);
    nodes.push({ host, key: publicKey, dir, port, id: publicKey, child: null, admin: '' });
  }
  return { net, nodes };
}
