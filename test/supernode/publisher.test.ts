import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { signingKeyFromSeed } from '../../src/crypto/ed25519.js';
import { DH_25519 } from '../../src/crypto/noise/index.js';
import { issueCertificate } from '../../src/login/certificate.js';
import { CA_KEY_FILE, readSecretKey } from '../../src/login/key-files.js';
import { openEnvelope, sealEnvelope } from '../../src/chat/envelope.js';
import { SupernodeAttachment } from '../../src/overlay/attachment.js';
import type { ForwardedBlob } from '../../src/overlay/directory/client.js';
import { DevicePublisher, type DeviceIdentity } from '../../src/overlay/device-publisher.js';
import { HostCache } from '../../src/overlay/host-cache.js';
import type { VerifiedUserRecord } from '../../src/overlay/user-record.js';
import { WatchList } from '../../src/overlay/watch-list.js';
import { Prng } from '../../src/util/prng.js';
import { eventually, health, makeSupernodes, start, stop, type Node } from './processes.js';

const root = mkdtempSync(join(tmpdir(), 'parley-publisher-'));
const nodes: Node[] = [];
const attachments: SupernodeAttachment[] = [];
after(async () => {
  for (const a of attachments) await a.stop();
  for (const n of nodes) await stop(n, 'SIGKILL');
  rmSync(root, { recursive: true, force: true });
});
const rng = new Prng(606);

test("a device keeps its record published and refreshed through its attached supernodes; a watcher hears each change once; when a supernode both use dies, the record names the new ones and the watch goes on; a device forwards an envelope to another through both supernodes; a withdrawn device reads offline", { timeout: 120_000 }, async () => {
  const made = await makeSupernodes(root, 'pub', 4);
  nodes.push(...made.nodes);
  for (const [i, n] of nodes.entries()) await start(made.net, n, i === 0 ? null : (nodes[0] as Node));
  await eventually(async () => (await Promise.all(nodes.map(health))).every((h) => h.members === 4), 30_000, 'four members');
  const network = JSON.parse(readFileSync(join(made.net, 'network.json'), 'utf8')) as { name: string; ca: { publicKey: string } };
  const trust = { caPublicKey: new Uint8Array(Buffer.from(network.ca.publicKey, 'hex')), network: network.name };
  const ca = signingKeyFromSeed(readSecretKey(join(made.net, CA_KEY_FILE), 'parley-ca-key'));
  const device = (username: string, serial: number): { identity: DeviceIdentity; noise: ReturnType<typeof DH_25519.keyPairFrom> } => {
    const signingKey = signingKeyFromSeed(rng.bytes(32));
    const noise = DH_25519.keyPairFrom(rng.bytes(32));
    const deviceId = rng.bytes(16);
    const now = Date.now();
    const certificate = issueCertificate(ca, { kind: 'device', network: network.name, username, deviceId, noiseKey: noise.publicKey, signingKey: signingKey.publicKey, notBefore: now - 1000, notAfter: now + 3_600_000, serial, endpoints: [] });
    return { identity: { signingKey, certificate, network: network.name, accountKey: username.toLowerCase(), deviceId }, noise };
  };
  const [x, y, ...rest] = nodes as [Node, Node, ...Node[]];
  const cacheWith = (ns: readonly Node[]): HostCache => {
    const c = new HostCache();
    for (const n of ns) c.add(n.id, [`udp:127.0.0.1:${n.port}`], Date.now());
    return c;
  };

  // Nadia's device: attached to X and Y, publishing with a 4 s TTL (refreshed every 2 s).
  const nadia = device('Nadia', 1);
  const nadiaCache = cacheWith([x, y]);
  let nadiaAttachment: SupernodeAttachment | null = null;
  const publications: number[] = [];
  const publisher = new DevicePublisher({ identity: nadia.identity, state: { presence: 'online', candidates: ['udp:192.0.2.7:5000'] }, clients: () => nadiaAttachment?.clients() ?? [], ttlMs: 4_000, onPublished: (p) => publications.push(p.seq) });
  nadiaAttachment = await SupernodeAttachment.start({ cache: nadiaCache, trust, staticKey: nadia.noise, count: 2, onChange: (ids) => publisher.attachedChanged(ids), onAttach: async (_id, c) => void (await c.hello(nadia.identity.certificate)) });
  attachments.push(nadiaAttachment);
  await eventually(() => Promise.resolve(nadiaAttachment?.ids().length === 2), 10_000, 'Nadia attached to two');
  const first = await publisher.publishNow();
  assert.equal(first.stored, 3, 'at the three replicas');
  // (Best first when published; the ranking moves with every probe's round trip, so compared as sets.)
  assert.deepEqual([...first.supernodes].sort(), nadiaAttachment.ids().sort(), 'the record names the attached supernodes');

  // Omar's device watches Nadia through X alone; at the start it catches up with a lookup.
  const omar = device('Omar', 2);
  const changes: VerifiedUserRecord[] = [];
  let omarAttachment: SupernodeAttachment | null = null;
  const watches = new WatchList({ clients: () => omarAttachment?.clients() ?? [], onChange: (r) => changes.push(r) });
  watches.add('Nadia');
  const omarCache = cacheWith([x]);
  const inbox: ForwardedBlob[] = [];
  omarAttachment = await SupernodeAttachment.start({
    cache: omarCache,
    trust,
    staticKey: omar.noise,
    count: 1,
    onChange: (ids) => watches.attachedChanged(ids),
    onAttach: async (_id, c) => {
      await c.hello(omar.identity.certificate);
      await watches.attached(c);
    },
    onRecord: (r) => watches.received(r),
    onForwarded: (f) => inbox.push(f),
  });
  attachments.push(omarAttachment);
  await eventually(() => Promise.resolve(changes.some((r) => r.body.presence === 'online')), 10_000, "Omar sees Nadia's record");
  assert.deepEqual(omarAttachment.ids(), [x.id]);

  const away = await publisher.update({ presence: 'away', mood: 'at lunch' });
  await eventually(() => Promise.resolve(changes.at(-1)?.body.seq === away.seq), 10_000, 'Omar hears away');
  assert.equal(changes.at(-1)?.body.mood, 'at lunch');
  assert.equal(changes.filter((r) => r.body.seq === away.seq).length, 1, 'once, though three replicas told X');

  // The refresh: new sequence numbers with nothing changed.
  const before = publications.length;
  await eventually(() => Promise.resolve(publications.length >= before + 2), 10_000, 'two refreshes');
  assert.ok((publications.at(-1) ?? 0) > away.seq);
  assert.equal(publisher.last?.state.presence, 'away', 'a refresh keeps the state');

  // X dies. Both learn of the others; Nadia's record names her new supernodes; Omar watches from elsewhere.
  for (const n of rest) for (const cache of [nadiaCache, omarCache]) cache.add(n.id, [`udp:127.0.0.1:${n.port}`], Date.now());
  await stop(x, 'SIGKILL');
  await eventually(() => Promise.resolve(publisher.last !== null && !publisher.last.supernodes.includes(x.id) && publisher.last.supernodes.length === 2), 15_000, "Nadia's record names two live supernodes");
  assert.deepEqual([...(publisher.last?.supernodes ?? [])].sort(), nadiaAttachment.ids().sort());
  await eventually(() => Promise.resolve(omarAttachment?.ids().length === 1 && omarAttachment.ids()[0] !== x.id), 15_000, 'Omar on another supernode');
  const busy = await publisher.update({ presence: 'busy' });
  await eventually(() => Promise.resolve(changes.at(-1)?.body.seq === busy.seq), 10_000, 'Omar hears busy through his new supernode');
  const seqs = changes.map((r) => r.body.seq);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'never an older record after a newer one');

  // Nadia forwards an end-to-end envelope to Omar's device through her supernode and his.
  const envelope = sealEnvelope({ network: network.name, certificate: nadia.identity.certificate, signingKey: nadia.identity.signingKey }, rng.bytes(16), Date.now(), [{ deviceId: omar.identity.deviceId, noiseKey: omar.noise.publicKey }], Buffer.from('are you there?'), (n) => rng.bytes(n));
  const via = nadiaAttachment.primary() ?? assert.fail('attached');
  assert.equal(await via.forward('Omar', omar.identity.deviceId, omarAttachment.ids(), envelope), 1);
  await eventually(() => Promise.resolve(inbox.length === 1), 10_000, 'Omar gets the forwarded envelope');
  assert.equal(inbox[0]?.sender, 'nadia');
  const opened = openEnvelope(inbox[0]?.blob ?? new Uint8Array(0), { caPublicKey: trust.caPublicKey, network: network.name, deviceId: omar.identity.deviceId, noiseKey: omar.noise }, Date.now());
  assert.ok(opened.ok && Buffer.from(opened.envelope.content).toString() === 'are you there?' && opened.envelope.senderAccount === 'nadia');

  // Nadia withdraws: she reads offline at once, not when her record's TTL runs out.
  await publisher.stop({ withdraw: true });
  const offline = publisher.last;
  assert.equal(offline?.state.presence, 'offline');
  assert.deepEqual(offline?.state.candidates, []);
  const found = await (omarAttachment.primary() ?? assert.fail('attached')).lookup('Nadia');
  assert.deepEqual(found.map((r) => r.body.presence), ['offline']);
});
