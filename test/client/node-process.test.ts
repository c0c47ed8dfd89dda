import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';

import { directConversation } from '../../src/chat/content.js';
import { DeviceRuntime } from '../../src/client/device-runtime.js';
import { ClientStore } from '../../src/client/store.js';
import { signingKeyFromSeed } from '../../src/crypto/ed25519.js';
import { DH_25519 } from '../../src/crypto/noise/index.js';
import { issueCertificate } from '../../src/login/certificate.js';
import { CA_KEY_FILE, readSecretKey } from '../../src/login/key-files.js';
import { readNetworkFile } from '../../src/login/network-file.js';
import { deviceIdentity, saveCertificate } from '../../src/login/profile.js';
import { DirectoryClient } from '../../src/overlay/directory/client.js';
import { HostCache, saveHostCache } from '../../src/overlay/host-cache.js';
import { ParleyClient, type EventJson, type ParleyApiError } from '../../src/sdk/index.js';
import { Prng } from '../../src/util/prng.js';
import { PARLEY_MAIN, runParley } from '../cli/parley-process.js';
import { eventually, health, makeSupernodes, start, stop, type Node } from '../supernode/processes.js';

const root = mkdtempSync(join(tmpdir(), 'parley-node-'));
const nodes: Node[] = [];
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
  for (const n of nodes) await stop(n, 'SIGKILL');
  rmSync(root, { recursive: true, force: true });
});
const rng = new Prng(99);

test('parley node: without --network, or with a --peer-port that is no port, a usage error (2) (a profile without a certificate runs signed out: sign-in.test.ts)', async () => {
  const a = await runParley(['node']);
  assert.equal(a.code, 2);
  assert.match(a.stderr, /--network is required/);
  const made = await makeSupernodes(root, 'empty', 0);
  for (const bad of ['nonsense', '70000', '-1']) {
    const c = await runParley(['node', '--network', join(made.net, 'network.json'), '--profile', join(root, 'nobody'), '--peer-port', bad]);
    assert.equal(c.code, 2, bad);
    assert.match(c.stderr, /--peer-port .* is not a port \(0-65535\) or 'off'/);
  }
});

test("parley node runs a device from its profile: a message sent to it lands in its store and on the API's event stream; the CLI answers, shows history, searches; a program needs approval; parley logout stops it (published offline, exit 0) and removes the certificate", { timeout: 120_000 }, async () => {
  const made = await makeSupernodes(root, 'daemon', 2);
  nodes.push(...made.nodes);
  for (const [i, n] of nodes.entries()) await start(made.net, n, i === 0 ? null : (nodes[0] as Node));
  await eventually(async () => (await Promise.all(nodes.map(health))).every((h) => h.members === 2), 30_000, 'two members');
  const networkPath = join(made.net, 'network.json');
  const network = readNetworkFile(JSON.parse(readFileSync(networkPath, 'utf8')));
  const ca = signingKeyFromSeed(readSecretKey(join(made.net, CA_KEY_FILE), 'parley-ca-key'));
  const caPublicKey = new Uint8Array(Buffer.from(network.ca.publicKey, 'hex'));
  const cache = (): HostCache => {
    const c = new HostCache();
    for (const n of nodes) c.add(n.id, [`udp:127.0.0.1:${n.port}`], Date.now());
    return c;
  };

  // Bob's profile: keys, a certificate (as `account login` saves it), a host cache.
  const profile = join(root, 'bob');
  const keys = deviceIdentity(profile);
  const now = Date.now();
  saveCertificate(profile, issueCertificate(ca, { kind: 'device', network: network.name, username: 'Bob', deviceId: keys.deviceId, noiseKey: keys.noise.publicKey, signingKey: keys.signing.publicKey, notBefore: now - 1000, notAfter: now + 86_400_000, serial: 2, endpoints: [] }));
  saveHostCache(join(profile, 'hostcache.json'), cache());
  const child = spawn(process.execPath, [PARLEY_MAIN, 'node', '--network', networkPath, '--profile', profile, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(async () => {
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  });
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  const ready = JSON.parse(line) as { username: string; deviceId: string; attached: string[]; api: string };
  assert.equal(ready.username, 'Bob');
  assert.equal(ready.deviceId, Buffer.from(keys.deviceId).toString('hex'));
  assert.match(ready.api, /^http:\/\/127\.0\.0\.1:[0-9]+$/);

  // The SDK finds the daemon through the profile; its event stream is open before anything happens.
  const sdk = ParleyClient.fromProfile(profile);
  assert.equal((await sdk.status()).username, 'Bob');
  const events: EventJson[] = [];
  const stream = sdk.events((e) => events.push(e));
  cleanups.push(() => Promise.resolve(stream.close()));
  await stream.opened;

  // Alice, in this process, finds Bob's device in the directory and writes to him.
  const signingKey = signingKeyFromSeed(rng.bytes(32));
  const noiseKey = DH_25519.keyPairFrom(rng.bytes(32));
  const deviceId = rng.bytes(16);
  const certificate = issueCertificate(ca, { kind: 'device', network: network.name, username: 'alice', deviceId, noiseKey: noiseKey.publicKey, signingKey: signingKey.publicKey, notBefore: now - 1000, notAfter: now + 86_400_000, serial: 3, endpoints: [] });
  const aliceStore = ClientStore.open(':memory:');
  const alice = await DeviceRuntime.start({ network, identity: { network: network.name, caPublicKey, username: 'alice', accountKey: 'alice', deviceId, certificate, signingKey, noiseKey }, store: aliceStore, cache: cache() });
  cleanups.push(async () => {
    await alice.stop();
    aliceStore.close();
  });
  await eventually(async () => (await alice.engine.sendText('bob', 'hello, daemon').then(() => true, () => false)), 15_000, "Bob's device is known");
  const dm = directConversation('alice', 'bob');
  await eventually(() => {
    const bobStore = ClientStore.open(join(profile, 'store.db'));
    try {
      return Promise.resolve(bobStore.history(dm).some((m) => m.text === 'hello, daemon' && m.sender === 'alice'));
    } finally {
      bobStore.close();
    }
  }, 15_000, "the message is in Bob's store");
  await eventually(() => Promise.resolve(aliceStore.history(dm).every((m) => m.state === 'delivered')), 15_000, 'delivered');
  await eventually(() => Promise.resolve(events.some((e) => e.type === 'message' && e.message.text === 'hello, daemon')), 10_000, 'the event stream carried it');

  // The CLI, through the daemon: answer, history, search; bad input is a usage error.
  const reply = await runParley(['msg', 'alice', 'hello, Alice', '--profile', profile, '--json']);
  assert.equal(reply.code, 0, reply.stderr);
  await eventually(() => Promise.resolve(aliceStore.history(dm).some((m) => m.text === 'hello, Alice')), 15_000, 'alice gets the answer');
  const history = await runParley(['history', 'alice', '--profile', profile, '--json']);
  assert.deepEqual((JSON.parse(history.stdout) as { sender: string; text: string }[]).map((m) => `${m.sender}: ${m.text}`), ['alice: hello, daemon', 'bob: hello, Alice']);
  const found = await runParley(['search', 'daemon', '--profile', profile]);
  assert.match(found.stdout, /alice: hello, \[daemon\]/);
  assert.equal((await runParley(['presence', 'set', 'sleeping', '--profile', profile])).code, 2);
  const noDaemon = await runParley(['msg', 'alice', 'x', '--profile', join(root, 'nobody')]);
  assert.equal(noDaemon.code, 1);
  assert.match(noDaemon.stderr, /no daemon is running/);
  // A program asks for access: refused until the user approves it with the CLI.
  const token = await ParleyClient.requestAccess(ready.api, 'my-bot');
  const bot = new ParleyClient(ready.api, token);
  await assert.rejects(bot.status(), (e: ParleyApiError) => e.status === 401 && /approve my-bot/.test(e.message));
  assert.equal((await runParley(['api', 'approve', 'my-bot', '--profile', profile])).code, 0);
  assert.equal((await bot.status()).username, 'Bob');

  // parley chat: history first, then each line is sent; /quit leaves.
  const chat = await runParley(['chat', 'alice', '--profile', profile], 'from the chat\nand more\n/quit\nnot sent\n');
  assert.equal(chat.code, 0, chat.stderr);
  assert.match(chat.stdout, /alice: hello, daemon/);
  await eventually(() => Promise.resolve(aliceStore.history(dm).filter((m) => m.text === 'from the chat' || m.text === 'and more').length === 2), 15_000, 'the chat lines arrive');
  assert.ok(!aliceStore.history(dm).some((m) => m.text === 'not sent'));

  // A group from the CLI; the SDK edits and deletes.
  const created = await runParley(['group', 'create', 'plans', '--members', 'alice', '--profile', profile, '--json']);
  assert.equal(created.code, 0, created.stderr);
  const groupId = (JSON.parse(created.stdout) as { id: string }).id;
  assert.equal((await runParley(['msg', groupId, 'to the group', '--profile', profile])).code, 0);
  await eventually(() => Promise.resolve(aliceStore.history(groupId).some((m) => m.text === 'to the group')), 15_000, 'alice gets the group message');
  assert.equal(aliceStore.conversation(groupId)?.title, 'plans');
  const mine = (await sdk.history('alice')).find((m) => m.text === 'hello, Alice') ?? assert.fail('sent');
  await sdk.edit(mine.id, 'hello again, Alice');
  await eventually(() => Promise.resolve(aliceStore.history(dm).some((m) => m.text === 'hello again, Alice' && m.editedAt !== null)), 15_000, 'the edit arrives');

  // parley logout stops the daemon through its API and removes the certificate.
  const exited = once(child, 'exit');
  const out = await runParley(['logout', '--profile', profile]);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /logged out; the daemon stopped/);
  const [code] = (await exited) as [number];
  assert.equal(code, 0);
  assert.ok(!existsSync(join(profile, 'device.cert')));
  assert.equal((await runParley(['logout', '--profile', profile])).code, 1, 'not logged in any more');
  const n0 = nodes[0] as Node;
  const reader = await DirectoryClient.connect(Buffer.from(n0.id, 'hex'), [{ transport: 'udp', host: '127.0.0.1', port: n0.port }], { caPublicKey, network: network.name });
  cleanups.push(() => reader.close());
  assert.deepEqual((await reader.lookup('bob')).map((r) => r.body.presence), ['offline'], 'published offline before it stopped');
});
