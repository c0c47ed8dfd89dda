import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';

import { DH_25519 } from '../../src/crypto/noise/index.js';
import { probeVia } from '../../src/login/prober.js';
import { probeReachable } from '../../src/login/reachability.js';
import { UdpDriver } from '../../src/transport/drivers/udp.js';
import { SessionEndpoint } from '../../src/transport/endpoint.js';
import { Prng } from '../../src/util/prng.js';
import { PARLEY_MAIN, runParley } from '../cli/parley-process.js';
import { eventually, freePort, health, makeSupernodes, stop, type Node } from './processes.js';

const root = mkdtempSync(join(tmpdir(), 'parley-open-'));
const rng = new Prng(404);
const children: { child: ReturnType<typeof spawn> }[] = [];
after(async () => {
  for (const c of children) {
    if (c.child.exitCode === null) {
      c.child.kill('SIGKILL');
      await once(c.child, 'exit');
    }
  }
  rmSync(root, { recursive: true, force: true });
});

test('the reachability probe: a key that answers at its endpoint is reachable; a silent endpoint or another key is not', async () => {
  const key = DH_25519.keyPairFrom(rng.bytes(32));
  const responder = await UdpDriver.open({ endpoint: new SessionEndpoint({ staticKey: key, random: (n) => rng.bytes(n) }), host: '127.0.0.1', onEvent: () => {} });
  try {
    const at = `udp:127.0.0.1:${responder.local.port}`;
    assert.equal(await probeReachable(key.publicKey, [at], 2_000), true);
    assert.equal(await probeReachable(DH_25519.keyPairFrom(rng.bytes(32)).publicKey, [at], 500), false, 'another key at that address');
    assert.equal(await probeReachable(key.publicKey, [`udp:127.0.0.1:${await freePort()}`], 500), false, 'nothing there');
  } finally {
    await responder.close();
  }
});

test('open mode: a supernode gets its certificate from the login server, which checked the endpoint, and runs; a login server in managed mode refuses', { timeout: 120_000 }, async () => {
  const net = join(root, 'net');
  assert.equal((await runParley(['network', 'init', net, '--name', 'open'])).code, 0);
  const loginPort = await freePort();
  // network.json names the login server on this port (network init wrote the default).
  const networkPath = join(net, 'network.json');
  const network = JSON.parse(readFileSync(networkPath, 'utf8')) as { loginServers: { endpoints: string[] }[] };
  (network.loginServers[0] as { endpoints: string[] }).endpoints = [`udp:127.0.0.1:${loginPort}`];
  writeFileSync(networkPath, JSON.stringify(network));

  const startLogin = async (open: boolean): Promise<ReturnType<typeof spawn>> => {
    const child = spawn(process.execPath, [PARLEY_MAIN, 'login-server', '--network', net, '--listen', `127.0.0.1:${loginPort}`, '--no-tcp', ...(open ? ['--open-supernodes'] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push({ child });
    await once(createInterface({ input: child.stdout as NodeJS.ReadableStream }), 'line');
    return child;
  };
  const keyDir = join(root, 'sn');
  assert.equal((await runParley(['supernode', 'init', keyDir])).code, 0);
  const port = await freePort();
  const supernodeArgs = ['supernode', '--network', networkPath, '--key', keyDir, '--listen', `127.0.0.1:${port}`, '--no-tcp', '--admin', '127.0.0.1:0', '--open', '--log-level', 'warn'];

  const managed = await startLogin(false);
  const refused = await runParley(supernodeArgs);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /NOT_OPEN/);
  managed.kill('SIGTERM');
  await once(managed, 'exit');

  await startLogin(true);
  const child = spawn(process.execPath, [PARLEY_MAIN, ...supernodeArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push({ child });
  const [line] = (await once(createInterface({ input: child.stdout as NodeJS.ReadableStream }), 'line')) as [string];
  const ready = JSON.parse(line) as { id: string; admin: string };
  const node: Node = { host: '127.0.0.1', key: ready.id, dir: keyDir, port, id: ready.id, child, admin: ready.admin };
  await eventually(async () => (await health(node)).members === 1, 10_000, 'the supernode runs');
  const verify = await runParley(['cert', 'verify', join(keyDir, 'supernode.cert'), '--network', networkPath, '--json']);
  assert.equal(verify.code, 0, verify.stderr);
  assert.match(verify.stdout, /supernode/);
  await stop(node, 'SIGTERM');
});

test('open mode with a prober: the login server has a supernode elsewhere check the endpoint; the prober answers only the login server; a dead prober gives PROBE_UNAVAILABLE', { timeout: 120_000 }, async () => {
  const made = await makeSupernodes(root, 'probed', 1);
  const net = made.net;
  const prober = made.nodes[0] as Node;
  const loginPort = await freePort();
  const networkPath = join(net, 'network.json');
  const network = JSON.parse(readFileSync(networkPath, 'utf8')) as { loginServers: { endpoints: string[]; staticKey: string }[] };
  (network.loginServers[0] as { endpoints: string[] }).endpoints = [`udp:127.0.0.1:${loginPort}`];
  writeFileSync(networkPath, JSON.stringify(network));

  // The prober: a managed supernode, its log on a pipe (each probe is logged at info).
  const proberChild = spawn(process.execPath, [PARLEY_MAIN, 'supernode', '--network', networkPath, '--key', prober.dir, '--listen', `127.0.0.1:${prober.port}`, '--no-tcp', '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push({ child: proberChild });
  let proberLog = '';
  proberChild.stderr.on('data', (d: Buffer) => (proberLog += d.toString()));
  await once(createInterface({ input: proberChild.stdout }), 'line');

  const startLogin = async (proberArg: string): Promise<ReturnType<typeof spawn>> => {
    const child = spawn(process.execPath, [PARLEY_MAIN, 'login-server', '--network', net, '--listen', `127.0.0.1:${loginPort}`, '--no-tcp', '--open-supernodes', '--prober', proberArg], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push({ child });
    await once(createInterface({ input: child.stdout as NodeJS.ReadableStream }), 'line');
    return child;
  };
  const keyDir = join(root, 'probed-candidate');
  assert.equal((await runParley(['supernode', 'init', keyDir])).code, 0);
  const port = await freePort();
  const candidateArgs = ['supernode', '--network', networkPath, '--key', keyDir, '--listen', `127.0.0.1:${port}`, '--no-tcp', '--admin', '127.0.0.1:0', '--open', '--log-level', 'warn'];

  // A prober that is not there: no certificate, and a reason that says so.
  const deadLogin = await startLogin(`${prober.id}@udp:127.0.0.1:${await freePort()}`);
  const refused = await runParley(candidateArgs);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /PROBE_UNAVAILABLE/);
  deadLogin.kill('SIGTERM');
  await once(deadLogin, 'exit');

  await startLogin(`${prober.id}@udp:127.0.0.1:${prober.port}`);
  const child = spawn(process.execPath, [PARLEY_MAIN, ...candidateArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push({ child });
  const [line] = (await once(createInterface({ input: child.stdout as NodeJS.ReadableStream }), 'line')) as [string];
  const ready = JSON.parse(line) as { id: string };
  assert.match(proberLog, new RegExp(`"event":"probe","key":"${ready.id.slice(0, 16)}"[^\\n]*"reachable":true`), 'the prober probed the candidate');

  // Anyone but the login server is refused.
  const stranger = DH_25519.keyPairFrom(rng.bytes(32));
  await assert.rejects(probeVia({ key: new Uint8Array(Buffer.from(prober.id, 'hex')), addresses: [{ transport: 'udp', host: '127.0.0.1', port: prober.port }] }, stranger, stranger.publicKey, [`udp:127.0.0.1:${port}`]), /NOT_ALLOWED/);
});

test('login-server --prober without --open-supernodes, or not KEY@udp:HOST:PORT: usage error, exit 2', async () => {
  const a = await runParley(['login-server', '--network', root, '--prober', `${'ab'.repeat(32)}@udp:127.0.0.1:9`]);
  assert.equal(a.code, 2);
  assert.match(a.stderr, /--prober needs --open-supernodes/);
  const b = await runParley(['login-server', '--network', root, '--open-supernodes', '--prober', 'nonsense']);
  assert.equal(b.code, 2);
  assert.match(b.stderr, /KEY@udp:HOST:PORT/);
});
