import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { directConversation } from '../../src/chat/content.js';
import { DeviceRuntime, type DeviceEvent } from '../../src/client/device-runtime.js';
import { ClientStore } from '../../src/client/store.js';
import { signingKeyFromSeed } from '../../src/crypto/ed25519.js';
import { DH_25519 } from '../../src/crypto/noise/index.js';
import { issueCertificate } from '../../src/login/certificate.js';
import { CA_KEY_FILE, readSecretKey } from '../../src/login/key-files.js';
import { readNetworkFile } from '../../src/login/network-file.js';
import { HostCache } from '../../src/overlay/host-cache.js';
import { Ring } from '../../src/overlay/ring.js';
import { slotOf } from '../../src/overlay/slots.js';
import { Prng } from '../../src/util/prng.js';
import { eventually, health, makeSupernodes, start, stop, type Node } from '../supernode/processes.js';

const root = mkdtempSync(join(tmpdir(), 'parley-device-'));
const nodes: Node[] = [];
const devices: DeviceRuntime[] = [];
const stores: ClientStore[] = [];
after(async () => {
  for (const d of devices) await d.stop();
  for (const s of stores) s.close();
  for (const n of nodes) await stop(n, 'SIGKILL');
  rmSync(root, { recursive: true, force: true });
});
const rng = new Prng(777);

test('two devices on four supernode processes: contacts, presence, 20 messages each way in order; bob away, alice sends 30 (only ciphertext on disk at the supernodes), a replica of his slot is killed, bob comes back and gets all 30 once', { timeout: 180_000 }, async () => {
  const made = await makeSupernodes(root, 'devices', 4);
  nodes.push(...made.nodes);
  for (const [i, n] of nodes.entries()) await start(made.net, n, i === 0 ? null : (nodes[0] as Node));
  await eventually(async () => (await Promise.all(nodes.map(health))).every((h) => h.members === 4), 30_000, 'four members');
  const network = readNetworkFile(JSON.parse(readFileSync(join(made.net, 'network.json'), 'utf8')));
  const ca = signingKeyFromSeed(readSecretKey(join(made.net, CA_KEY_FILE), 'parley-ca-key'));
  const caPublicKey = new Uint8Array(Buffer.from(network.ca.publicKey, 'hex'));

  const identity = (username: string) => {
    const signingKey = signingKeyFromSeed(rng.bytes(32));
    const noiseKey = DH_25519.keyPairFrom(rng.bytes(32));
    const deviceId = rng.bytes(16);
    const now = Date.now();
    const certificate = issueCertificate(ca, { kind: 'device', network: network.name, username, deviceId, noiseKey: noiseKey.publicKey, signingKey: signingKey.publicKey, notBefore: now - 1000, notAfter: now + 86_400_000, serial: 1, endpoints: [] });
    return { network: network.name, caPublicKey, username, accountKey: username.toLowerCase(), deviceId, certificate, signingKey, noiseKey };
  };
  const cache = (): HostCache => {
    const c = new HostCache();
    for (const n of nodes.filter((x) => x.child)) c.add(n.id, [`udp:127.0.0.1:${n.port}`], Date.now());
    return c;
  };
  const aliceId = identity('Alice');
  const bobId = identity('Bob');
  const aliceStore = ClientStore.open(join(root, 'alice.db'));
  const bobStore = ClientStore.open(join(root, 'bob.db'));
  stores.push(aliceStore, bobStore);
  const aliceEvents: DeviceEvent[] = [];
  const alice = await DeviceRuntime.start({ network, identity: aliceId, store: aliceStore, cache: cache(), onEvent: (e) => aliceEvents.push(e) });
  devices.push(alice);
  let bob = await DeviceRuntime.start({ network, identity: bobId, store: bobStore, cache: cache() });
  devices.push(bob);
  await eventually(() => Promise.resolve(alice.attached().length === 2 && bob.attached().length === 2), 15_000, 'both attached');
  await eventually(() => Promise.resolve(alice.publisher.last !== null && bob.publisher.last !== null), 15_000, 'both published');

  await alice.engine.requestContact('bob', 'hi Bob, it is Alice');
  await eventually(() => Promise.resolve(bobStore.contact('alice')?.state === 'pending'), 15_000, 'bob sees the request');
  assert.equal(bobStore.contact('alice')?.greeting, 'hi Bob, it is Alice');
  await bob.engine.answerContact('alice', 'accept');
  await eventually(() => Promise.resolve(aliceStore.contact('bob')?.state === 'accepted'), 15_000, 'alice sees the acceptance');

  // Presence: alice now watches bob. Her watch may reach the replicas after bob's first change,
  // so bob publishes again on each poll until alice has heard one.
  const seen = (): boolean => aliceEvents.some((e) => e.type === 'presence' && e.account === 'bob' && e.presence === 'away' && e.mood === 'at lunch');
  await eventually(async () => {
    if (seen()) return true;
    await bob.setPresence('away', 'at lunch');
    return seen();
  }, 20_000, "alice sees bob's presence change");

  const expected: string[] = [];
  for (let i = 0; i < 20; i++) {
    await alice.engine.sendText('bob', `a${i}`);
    expected.push(`alice: a${i}`);
    await bob.engine.sendText('alice', `b${i}`);
    expected.push(`bob: b${i}`);
  }
  const dm = directConversation('alice', 'bob');
  const texts = (s: ClientStore): string[] => s.history(dm, 1000).map((m) => `${m.sender}: ${m.text}`);
  await eventually(() => Promise.resolve(texts(aliceStore).length === 40 && texts(bobStore).length === 40), 30_000, 'both have the 40 messages');
  assert.deepEqual(texts(aliceStore), expected);
  assert.deepEqual(texts(bobStore), expected);
  await eventually(() => Promise.resolve(aliceStore.history(dm, 1000).filter((m) => m.outgoing).every((m) => m.state === 'delivered')), 30_000, "alice's messages delivered");
  // After the first messages (forwarded while the devices dial each other) the rest go on the direct session.
  assert.ok((alice.links?.stats.sent ?? 0) >= 10 && (bob.links?.stats.received ?? 0) >= 10, `direct: ${JSON.stringify(alice.links?.stats)} / ${JSON.stringify(bob.links?.stats)}`);

  // Bob goes away; alice writes 30; one of the supernodes holding bob's offline messages is killed.
  await bob.stop();
  for (let i = 0; i < 30; i++) await alice.engine.sendText('bob', `while away ${i}`);
  await eventually(() => Promise.resolve(aliceStore.history(dm, 1000).filter((m) => m.text.startsWith('while away')).every((m) => m.state === 'sent')), 30_000, 'stored at the replicas');
  // The supernodes' offline stores on disk (database and write-ahead log) hold only ciphertext.
  let searched = 0;
  for (const n of nodes) {
    for (const f of readdirSync(n.dir).filter((x) => x.startsWith('offline.db'))) {
      const bytes = readFileSync(join(n.dir, f));
      searched += bytes.length;
      for (const needle of ['while away', 'a19', 'hi Bob, it is Alice']) assert.equal(bytes.indexOf(needle), -1, `${needle} in ${n.id.slice(0, 8)}/${f}`);
    }
  }
  assert.ok(searched > 30 * 200, `the offline stores were searched (${searched} bytes)`);
  const replicas = new Ring(nodes.map((n) => n.id)).replicasOf(slotOf('bob'));
  const victim = nodes.find((n) => n.id === replicas[0]) ?? assert.fail('a replica');
  await stop(victim, 'SIGKILL');
  bob = await DeviceRuntime.start({ network, identity: bobId, store: bobStore, cache: cache() });
  devices.push(bob);
  await eventually(() => Promise.resolve(texts(bobStore).length === 70), 30_000, 'bob has the 30 too');
  assert.deepEqual(texts(bobStore), [...expected, ...Array.from({ length: 30 }, (_, i) => `alice: while away ${i}`)]);
});
