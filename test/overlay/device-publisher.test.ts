import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import { signingKeyFromSeed } from '../../src/crypto/ed25519.js';
import { DH_25519 } from '../../src/crypto/noise/index.js';
import { issueCertificate } from '../../src/login/certificate.js';
import { DevicePublisher, type AttachedClient, type DeviceIdentity } from '../../src/overlay/device-publisher.js';
import type { DirectoryClient } from '../../src/overlay/directory/client.js';
import { verifyUserRecord, type VerifiedUserRecord } from '../../src/overlay/user-record.js';
import { WatchList } from '../../src/overlay/watch-list.js';
import { Prng } from '../../src/util/prng.js';

const rng = new Prng(77);
const ca = signingKeyFromSeed(rng.bytes(32));
const NETWORK = 'unit';
function identity(username: string): DeviceIdentity {
  const signingKey = signingKeyFromSeed(rng.bytes(32));
  const deviceId = rng.bytes(16);
  const now = Date.now();
  const certificate = issueCertificate(ca, { kind: 'device', network: NETWORK, username, deviceId, noiseKey: DH_25519.keyPairFrom(rng.bytes(32)).publicKey, signingKey: signingKey.publicKey, notBefore: now - 1000, notAfter: now + 3_600_000, serial: 1, endpoints: [] });
  return { signingKey, certificate, network: NETWORK, accountKey: username.toLowerCase(), deviceId };
}
const verify = (bytes: Uint8Array): VerifiedUserRecord => {
  const v = verifyUserRecord(bytes, { caPublicKey: ca.publicKey, network: NETWORK, now: Date.now() });
  assert.ok(v.ok, v.ok ? '' : v.reason);
  return v.record;
};

/** A supernode session that records what was published, or fails. */
function fakeClient(id: string, behaviour: 'store' | 'throw' | 'none', published: VerifiedUserRecord[]): AttachedClient {
  const client = {
    publish: (record: Uint8Array) => {
      if (behaviour === 'throw') return Promise.reject(new Error('timed out'));
      published.push(verify(record));
      return Promise.resolve({ stored: behaviour === 'store' ? 3 : 0, replicas: 3 });
    },
  } as unknown as DirectoryClient;
  return { id, client };
}
const idOf = (n: number): string => n.toString(16).padStart(64, '0');

const publishers: DevicePublisher[] = [];
after(async () => {
  for (const p of publishers) await p.stop();
});

test('a publisher tries the attached supernodes best first: a failing one is passed over; the record names them all and is signed by the device', async () => {
  const published: VerifiedUserRecord[] = [];
  const clients = [fakeClient(idOf(1), 'throw', published), fakeClient(idOf(2), 'none', published), fakeClient(idOf(3), 'store', published)];
  const p = new DevicePublisher({ identity: identity('Nadia'), state: { presence: 'online', candidates: ['udp:192.0.2.1:4000'] }, clients: () => clients });
  publishers.push(p);
  const r = await p.publishNow();
  assert.equal(r.via, idOf(3));
  assert.equal(r.stored, 3);
  assert.deepEqual(r.supernodes, [idOf(1), idOf(2), idOf(3)]);
  assert.equal(published.length, 2, 'the second stored nothing, the third stored it');
  assert.deepEqual(published[1]?.body.supernodes.map((s) => Buffer.from(s).toString('hex')), [idOf(1), idOf(2), idOf(3)]);
  assert.deepEqual(published[1]?.body.candidates, ['udp:192.0.2.1:4000']);
});

test('sequence numbers only grow, from the clock: a restarted device supersedes its old record; calls made while one waits share it', async () => {
  const published: VerifiedUserRecord[] = [];
  const clients = [fakeClient(idOf(1), 'store', published)];
  const id = identity('Omar');
  const p1 = new DevicePublisher({ identity: id, state: { presence: 'online', candidates: [] }, clients: () => clients });
  publishers.push(p1);
  const a = await p1.publishNow();
  const [b, c, d] = await Promise.all([p1.update({ presence: 'away' }), p1.update({ mood: 'hi' }), p1.publishNow()]);
  assert.ok(b.seq > a.seq);
  assert.equal(b, c, 'queued together');
  assert.equal(c, d);
  assert.deepEqual({ presence: d.state.presence, mood: d.state.mood }, { presence: 'away', mood: 'hi' }, 'both changes in the one record');
  await p1.stop();
  const p2 = new DevicePublisher({ identity: id, state: { presence: 'online', candidates: [] }, clients: () => clients });
  publishers.push(p2);
  assert.ok((await p2.publishNow()).seq > d.seq, 'a new publisher for the same device starts above');
});

test('a publisher with no supernode attached, a TTL out of bounds, or too many candidates says so', async () => {
  const p = new DevicePublisher({ identity: identity('Lone'), state: { presence: 'online', candidates: [] }, clients: () => [] });
  publishers.push(p);
  await assert.rejects(p.publishNow(), /NOT_ATTACHED/);
  assert.throws(() => new DevicePublisher({ identity: identity('Lone'), state: { presence: 'online', candidates: [] }, clients: () => [], ttlMs: 1_000 }), /TTL/);
  assert.throws(() => p.update({ candidates: Array.from({ length: 17 }, (_, i) => `udp:192.0.2.1:${1000 + i}`) }), /at most 16/);
  await p.stop();
  await assert.rejects(p.publishNow(), /STOPPED/);
});

test('a watch list passes each device record on once, never an older one after a newer one, and only for users it watches', async () => {
  const published: VerifiedUserRecord[] = [];
  const clients = [fakeClient(idOf(1), 'store', published)];
  const nadia = new DevicePublisher({ identity: identity('Nadia'), state: { presence: 'online', candidates: [] }, clients: () => clients });
  const zoe = new DevicePublisher({ identity: identity('Zoe'), state: { presence: 'online', candidates: [] }, clients: () => clients });
  publishers.push(nadia, zoe);
  await nadia.publishNow();
  await nadia.update({ presence: 'away' });
  await zoe.publishNow();
  const [older, newer, other] = published as [VerifiedUserRecord, VerifiedUserRecord, VerifiedUserRecord];
  const heard: VerifiedUserRecord[] = [];
  const watched: string[] = [];
  const fakeWatcher = { watch: (u: string) => watched.push(u), unwatch: (u: string) => watched.push(`-${u}`) } as unknown as DirectoryClient;
  const list = new WatchList({ clients: () => [{ id: idOf(1), client: fakeWatcher }], onChange: (r) => heard.push(r) });
  list.add('NADIA');
  assert.throws(() => list.add('no spaces allowed'), /not a username/);
  for (const r of [newer, newer, older, other]) list.received(r);
  assert.deepEqual(heard, [newer]);
  list.remove('nadia');
  assert.deepEqual(watched, ['NADIA', '-nadia']);
  assert.deepEqual(list.list(), []);
});
