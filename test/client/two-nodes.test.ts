import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';

import { Ring } from '../../src/overlay/ring.js';
import { slotOf } from '../../src/overlay/slots.js';
import { ParleyClient, type EventJson } from '../../src/sdk/index.js';
import { PARLEY_MAIN, runParley } from '../cli/parley-process.js';
import { eventually, makeSupernodes, startAll, stop, type Node } from '../supernode/processes.js';

const root = mkdtempSync(join(tmpdir(), 'parley-two-'));
const nodes: Node[] = [];
const children: ChildProcess[] = [];
const streams: { close: () => void }[] = [];
after(async () => {
  for (const s of streams) s.close();
  for (const c of children) {
    if (c.exitCode === null) {
      c.kill('SIGKILL');
      await once(c, 'exit');
    }
  }
  for (const n of nodes) await stop(n, 'SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

async function spawnReady(args: string[]): Promise<{ child: ChildProcess; ready: Record<string, unknown> }> {
  const child = spawn(process.execPath, [PARLEY_MAIN, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const [line] = (await once(createInterface({ input: child.stdout as NodeJS.ReadableStream }), 'line')) as [string];
  return { child, ready: JSON.parse(line) as Record<string, unknown> };
}

test('alice and bob as parley node processes: accounts at the login server, contacts, presence, 100 messages each way once and in order; bob stopped, 50 sent, a replica of his slot killed, bob back: all 50 once; his second device, added later, shows all 250', { timeout: 300_000 }, async () => {
  // Three supernodes, named in network.json; the login server on its own port.
  const made = await makeSupernodes(root, 'two', 3);
  nodes.push(...made.nodes);
  await startAll(made.net, nodes);
  const networkPath = join(made.net, 'network.json');
  const login = await spawnReady(['login-server', '--network', made.net, '--listen', '127.0.0.1:0', '--no-tcp']);
  const loginPort = login.ready['port'] as number;
  const raw = JSON.parse(readFileSync(networkPath, 'utf8')) as { loginServers: { endpoints: string[] }[] };
  (raw.loginServers[0] as { endpoints: string[] }).endpoints = [`udp:127.0.0.1:${loginPort}`];
  writeFileSync(networkPath, JSON.stringify({ ...raw, bootstrapSupernodes: nodes.map((n) => ({ staticKey: n.id, endpoints: [`udp:127.0.0.1:${n.port}`] })) }));

  const user = async (name: string, how: 'register' | 'restart' | 'new-device' = 'register', profile = join(root, name)): Promise<{ profile: string; child: ChildProcess; sdk: ParleyClient; events: EventJson[] }> => {
    if (how === 'register') assert.equal((await runParley(['account', 'register', name, '--network', networkPath, '--password-stdin'], `${name} pw\n`)).code, 0);
    if (how !== 'restart') {
      const loggedIn = await runParley(['login', name, '--network', networkPath, '--profile', profile, '--password-stdin'], `${name} pw\n`);
      assert.equal(loggedIn.code, 0, loggedIn.stderr);
    }
    const { child } = await spawnReady(['node', '--network', networkPath, '--profile', profile, '--log-level', 'warn']);
    const sdk = ParleyClient.fromProfile(profile);
    const events: EventJson[] = [];
    const s = sdk.events((e) => events.push(e));
    streams.push(s);
    await s.opened;
    return { profile, child, sdk, events };
  };
  const alice = await user('alice');
  let bob = await user('bob');

  // Contacts, then presence both ways.
  await eventually(async () => (await alice.sdk.addContact('bob', 'hi, it is Alice').then(() => true, () => false)), 20_000, "bob's device is in the directory");
  await eventually(async () => (await bob.sdk.contacts()).some((c) => c.account === 'alice' && c.state === 'pending'), 20_000, 'bob sees the request');
  await bob.sdk.answerContact('alice', 'accept');
  await eventually(async () => (await alice.sdk.contacts()).some((c) => c.account === 'bob' && c.state === 'accepted'), 20_000, 'alice sees the acceptance');

  // parley reach: a session through a relay at one of bob's supernodes, bytes there and back, then the direct path on this host.
  const reached = await runParley(['reach', 'bob', '--profile', alice.profile, '--wait-direct', '10', '--json']);
  assert.equal(reached.code, 0, reached.stderr);
  const r = JSON.parse(reached.stdout) as { connected: boolean; path: string; firstByteMs: number; directAfterMs: number | null };
  assert.equal(r.connected, true);
  assert.equal(r.path, 'direct');
  assert.ok(r.firstByteMs >= 0 && r.directAfterMs !== null && r.directAfterMs >= r.firstByteMs, JSON.stringify(r));
  const badWait = await runParley(['reach', 'bob', '--profile', alice.profile, '--wait-direct', '99']);
  assert.equal(badWait.code, 2, 'a wait beyond 60 s is refused');
  assert.match(badWait.stderr, /seconds from 0 to 60/);
  const nobody = await runParley(['reach', 'nobody', '--profile', alice.profile]);
  assert.equal(nobody.code, 1);
  assert.match(nobody.stderr, /NOT_FOUND: nobody has no device online/);
  for (const [who, watcher, presence] of [[bob, alice, 'away'], [alice, bob, 'busy']] as const) {
    // The watch may reach the replicas after the first change: publish again on each poll until one is heard.
    const seen = (): boolean => watcher.events.some((e) => e.type === 'presence' && e.presence === presence);
    await eventually(async () => {
      if (seen()) return true;
      await who.sdk.setPresence(presence, 'testing');
      return seen();
    }, 30_000, `presence ${presence} seen`);
  }

  // 100 messages each way, interleaved.
  const expected: string[] = [];
  for (let i = 0; i < 100; i++) {
    await alice.sdk.send('bob', `a${i}`);
    expected.push(`alice: a${i}`);
    await bob.sdk.send('alice', `b${i}`);
    expected.push(`bob: b${i}`);
  }
  const texts = async (c: ParleyClient, peer: string): Promise<string[]> => (await c.history(peer, { limit: 1000 })).map((m) => `${m.sender}: ${m.text}`);
  await eventually(async () => (await texts(alice.sdk, 'bob')).length === 200 && (await texts(bob.sdk, 'alice')).length === 200, 60_000, 'both have 200');
  assert.deepEqual(await texts(alice.sdk, 'bob'), expected);
  assert.deepEqual(await texts(bob.sdk, 'alice'), expected);
  assert.equal(bob.events.filter((e) => e.type === 'message' && e.message.sender === 'alice').length, 100, 'each shown once');
  // The two daemons reach each other on loopback: after the first envelopes, the rest go directly.
  for (const who of [alice, bob]) {
    const direct = (await who.sdk.status()).direct;
    assert.ok(direct !== null && direct.linked >= 1 && direct.sent >= 100 && direct.received >= 100, `direct sessions: ${JSON.stringify(direct)}`);
  }

  // Bob's daemon stops; alice sends 50; the first replica of bob's slot is killed; bob comes back.
  bob.child.kill('SIGTERM');
  assert.equal(((await once(bob.child, 'exit')) as [number])[0], 0);
  for (let i = 0; i < 50; i++) await alice.sdk.send('bob', `later ${i}`);
  await eventually(async () => (await alice.sdk.history('bob', { limit: 1000 })).filter((m) => m.text.startsWith('later')).every((m) => m.state === 'sent'), 30_000, 'stored at the replicas');
  const victim = nodes.find((n) => n.id === new Ring(nodes.map((x) => x.id)).replicasOf(slotOf('bob'))[0]) ?? assert.fail('a replica');
  await stop(victim, 'SIGKILL');
  bob = await user('bob', 'restart');
  const all = [...expected, ...Array.from({ length: 50 }, (_, i) => `alice: later ${i}`)];
  await eventually(async () => (await texts(bob.sdk, 'alice')).length === 250, 60_000, 'bob has all 250');
  assert.deepEqual(await texts(bob.sdk, 'alice'), all);

  // Bob's second device, added now, gets the whole history (and the contact) from his first.
  const tablet = await user('bob', 'new-device', join(root, 'bob-tablet'));
  await eventually(async () => (await texts(tablet.sdk, 'alice')).length === 250, 60_000, "the tablet has bob's 250 messages");
  assert.deepEqual(await texts(tablet.sdk, 'alice'), all);
  assert.ok((await tablet.sdk.contacts()).some((c) => c.account === 'alice' && c.state === 'accepted'));
});
