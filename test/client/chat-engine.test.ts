import assert from 'node:assert/strict';
import { test } from 'node:test';

import { directConversation } from '../../src/chat/content.js';
import { ChatEngine, type ChatEvent, type ChatOverlay } from '../../src/client/chat-engine.js';
import { ClientStore } from '../../src/client/store.js';
import { signingKeyFromSeed } from '../../src/crypto/ed25519.js';
import { DH_25519 } from '../../src/crypto/noise/index.js';
import { issueCertificate } from '../../src/login/certificate.js';
import { signUserRecord, verifyUserRecord, type VerifiedUserRecord } from '../../src/overlay/user-record.js';
import { Prng } from '../../src/util/prng.js';

const NETWORK = 'chat';
const rng = new Prng(4242);
const ca = signingKeyFromSeed(rng.bytes(32));
const SUPERNODE = 'ab'.repeat(32);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Each device's engine on a shared in-memory overlay: a directory of online devices, forwarding, and an offline store per account. */
class Overlay {
  readonly devices = new Map<string, Device>();
  readonly mailboxes = new Map<string, { id: Uint8Array; sender: string; blob: Uint8Array; ackedBy: Set<string> }[]>();
  now = 1_800_000_000_000;
  /** Forwards passed on (counted). */
  forwards = 0;
  /** Devices (hex ids) with a direct session to every other device; `directRefuses`: they refuse what comes on it. */
  readonly linked = new Set<string>();
  directRefuses = false;
  /** Forwards in flight (delivered when the test lets them). */
  private inFlight: Promise<unknown>[] = [];

  device(username: string): Device {
    const d = new Device(this, username);
    this.devices.set(hex(d.deviceId), d);
    return d;
  }

  async settle(): Promise<void> {
    while (this.inFlight.length > 0) {
      const batch = this.inFlight;
      this.inFlight = [];
      await Promise.all(batch);
    }
  }

  overlayOf(d: Device): ChatOverlay {
    return {
      lookup: (username) => Promise.resolve([...this.devices.values()].filter((x) => x.online && x.account === username.toLowerCase()).map((x) => x.record())),
      forward: (_recipient, deviceId, _supernodes, blob) => {
        this.forwards++;
        const target = this.devices.get(hex(deviceId));
        if (!target?.online) return Promise.resolve(0);
        this.inFlight.push(target.engine.receive(blob));
        return Promise.resolve(1);
      },
      sendOffline: (recipient, id, blob) => {
        const box = this.mailboxes.get(recipient) ?? [];
        if (!box.some((m) => Buffer.from(m.id).equals(id))) box.push({ id, sender: d.account, blob, ackedBy: new Set() });
        this.mailboxes.set(recipient, box);
        return Promise.resolve({ stored: 1, replicas: 1 });
      },
      fetchOffline: () => Promise.resolve((this.mailboxes.get(d.account) ?? []).filter((m) => !m.ackedBy.has(hex(d.deviceId))).slice(0, 16)),
      ackOffline: (ids) => {
        for (const m of this.mailboxes.get(d.account) ?? []) if (ids.some((i) => Buffer.from(i).equals(m.id))) m.ackedBy.add(hex(d.deviceId));
      },
    };
  }
}

class Device {
  readonly account: string;
  readonly deviceId = rng.bytes(16);
  readonly noise = DH_25519.keyPairFrom(rng.bytes(32));
  readonly signing = signingKeyFromSeed(rng.bytes(32));
  readonly certificate: Uint8Array;
  readonly store = ClientStore.open(':memory:');
  readonly events: ChatEvent[] = [];
  readonly engine: ChatEngine;
  online = true;
  private seq = 0;

  constructor(
    private readonly net: Overlay,
    readonly username: string,
  ) {
    this.account = username.toLowerCase();
    this.certificate = issueCertificate(ca, { kind: 'device', network: NETWORK, username, deviceId: this.deviceId, noiseKey: this.noise.publicKey, signingKey: this.signing.publicKey, notBefore: net.now - 1000, notAfter: net.now + 86_400_000, serial: 1, endpoints: [] });
    this.engine = new ChatEngine({
      identity: { network: NETWORK, caPublicKey: ca.publicKey, username, accountKey: this.account, deviceId: this.deviceId, certificate: this.certificate, signingKey: this.signing, noiseKey: this.noise },
      store: this.store,
      overlay: () => (this.online ? net.overlayOf(this) : null),
      onEvent: (e) => this.events.push(e),
      direct: {
        linked: (r) => net.linked.has(hex(this.deviceId)) && net.linked.has(hex(r.body.deviceId)),
        send: async (r, blob) => {
          const target = net.devices.get(hex(r.body.deviceId));
          if (!target?.online || net.directRefuses) return false;
          await target.engine.receive(blob);
          return true;
        },
        prepare: () => undefined,
      },
      now: () => ++net.now,
      random: (n) => rng.bytes(n),
    });
  }

  record(): VerifiedUserRecord {
    const bytes = signUserRecord(this.signing, { network: NETWORK, accountKey: this.account, deviceId: this.deviceId, certificate: this.certificate, presence: 'online', supernodes: [Buffer.from(SUPERNODE, 'hex')], candidates: [], seq: ++this.seq, issuedAt: this.net.now, ttlMs: 600_000 });
    const v = verifyUserRecord(bytes, { caPublicKey: ca.publicKey, network: NETWORK, now: this.net.now });
    if (!v.ok) throw new Error(v.reason);
    return v.record;
  }

  texts(peer: string): string[] {
    return this.store.history(directConversation(this.account, peer), 1000).map((m) => `${m.sender}: ${m.text}`);
  }
}

test('alice and bob become contacts and exchange 100 messages each way, interleaved: each shown exactly once, in order, on both sides, and delivered', async () => {
  const net = new Overlay();
  const alice = net.device('Alice');
  const bob = net.device('Bob');
  await alice.engine.requestContact('bob', 'hi, it is Alice');
  await net.settle();
  assert.deepEqual([bob.store.contact('alice')?.state, bob.store.contact('alice')?.greeting], ['pending', 'hi, it is Alice']);
  await bob.engine.answerContact('alice', 'accept');
  await net.settle();
  assert.equal(alice.store.contact('bob')?.state, 'accepted');
  assert.equal(bob.store.contact('alice')?.state, 'accepted');

  const expected: string[] = [];
  for (let i = 0; i < 100; i++) {
    await alice.engine.sendText('bob', `a${i}`);
    expected.push(`alice: a${i}`);
    await bob.engine.sendText('Alice', `b${i}`);
    expected.push(`bob: b${i}`);
  }
  await net.settle();
  // The offline copies come too (a second path): nothing is shown twice.
  await alice.engine.pullOffline();
  await bob.engine.pullOffline();
  await net.settle();
  assert.deepEqual(alice.texts('bob'), expected);
  assert.deepEqual(bob.texts('alice'), expected);
  assert.equal(alice.events.filter((e) => e.type === 'message').length, 200, 'one event per message');
  const states = alice.store.history(directConversation('alice', 'bob'), 1000).filter((m) => m.outgoing).map((m) => m.state);
  assert.ok(states.every((s) => s === 'delivered'), states.join());
});

test('bob offline: alice sends 50 (sealed to the device she saw before); bob comes back and fetches all 50 once, in order; the store saw only ciphertext', async () => {
  const net = new Overlay();
  const alice = net.device('alice');
  const bob = net.device('bob');
  await alice.engine.sendText('bob', 'before');
  await net.settle();
  bob.online = false;
  for (let i = 0; i < 50; i++) await alice.engine.sendText('bob', `while away ${i}`);
  await net.settle();
  assert.equal(bob.texts('alice').length, 1);
  for (const m of net.mailboxes.get('bob') ?? []) assert.equal(Buffer.from(m.blob).indexOf('while away'), -1);
  bob.online = true;
  assert.equal(await bob.engine.pullOffline(), 51, 'everything not acknowledged, the first message too (its copy)');
  assert.deepEqual(bob.texts('alice'), ['alice: before', ...Array.from({ length: 50 }, (_, i) => `alice: while away ${i}`)]);
  assert.equal(await bob.engine.pullOffline(), 0, 'acknowledged');
});

test('linked devices: messages go on the direct sessions only (no forward, no copy at the replicas) and reach "delivered"; a refusal falls back to forwarding and the replicas at once', async () => {
  const net = new Overlay();
  const alice = net.device('alice');
  const bob = net.device('bob');
  await alice.engine.sendText('bob', 'hello');
  await net.settle();
  await alice.engine.flush();
  const forwardsBefore = net.forwards;
  const storedBefore = net.mailboxes.get('bob')?.length ?? 0;
  net.linked.add(hex(alice.deviceId)).add(hex(bob.deviceId));
  for (let i = 0; i < 20; i++) {
    await alice.engine.sendText('bob', `direct ${i}`);
    await bob.engine.sendText('alice', `back ${i}`);
  }
  await alice.engine.settled();
  await bob.engine.settled();
  await net.settle();
  assert.equal(net.forwards, forwardsBefore, 'nothing through the supernodes');
  assert.equal(net.mailboxes.get('bob')?.length ?? 0, storedBefore, 'nothing new at the replicas');
  assert.equal(alice.store.outboxSize + bob.store.outboxSize, 0, 'the outboxes are empty');
  assert.equal(bob.texts('alice').length, 41);
  const states = alice.store.history(directConversation('alice', 'bob'), 1000).filter((m) => m.outgoing && m.text.startsWith('direct')).map((m) => m.state);
  assert.ok(states.length === 20 && states.every((s) => s === 'delivered'), states.join());

  net.directRefuses = true;
  await alice.engine.sendText('bob', 'refused on the link');
  await alice.engine.settled();
  await net.settle();
  assert.ok(net.forwards > forwardsBefore, 'forwarded after the refusal');
  assert.ok((net.mailboxes.get('bob') ?? []).some((m) => bob.store.message(m.id)?.text === 'refused on the link'), 'and stored at the replicas without waiting');
  assert.equal(bob.texts('alice').at(-1), 'alice: refused on the link');
});

test("a user's second device sees what the first sent and received, the contacts, and read marks", async () => {
  const net = new Overlay();
  const alice = net.device('alice');
  const alicePhone = net.device('alice');
  const bob = net.device('bob');
  await alice.engine.requestContact('bob', 'hello');
  await net.settle();
  await bob.engine.answerContact('alice', 'accept');
  await net.settle();
  assert.equal(alicePhone.store.contact('bob')?.state, 'accepted', 'the request from her other device, then the acceptance');
  await alice.engine.sendText('bob', 'from the laptop');
  await bob.engine.sendText('alice', 'to both');
  await net.settle();
  assert.deepEqual(alicePhone.texts('bob'), ['alice: from the laptop', 'bob: to both']);
  assert.equal(alicePhone.store.history(directConversation('alice', 'bob'))[0]?.outgoing, true, 'her own message, sent from her other device');
  await alicePhone.engine.markRead(directConversation('alice', 'bob'));
  await net.settle();
  assert.equal(alice.store.conversations()[0]?.unread, 0, 'read on the phone, read on the laptop');
  assert.equal(bob.store.history(directConversation('alice', 'bob')).find((m) => m.text === 'to both')?.state, 'read');
});

test('envelopes that are not for this device, or altered, are counted and change nothing; sending to a user never seen says so', async () => {
  const net = new Overlay();
  const alice = net.device('alice');
  const bob = net.device('bob');
  const carol = net.device('carol');
  await alice.engine.sendText('bob', 'for bob');
  await net.settle();
  const envelope = net.mailboxes.get('bob')?.[0]?.blob ?? assert.fail('queued');
  assert.equal(await carol.engine.receive(envelope), false);
  const altered = Uint8Array.from(envelope);
  altered[altered.length - 10] = (altered[altered.length - 10] as number) ^ 1;
  assert.equal(await bob.engine.receive(altered), false);
  assert.equal(carol.engine.rejected + bob.engine.rejected, 2);
  assert.deepEqual(carol.store.conversations(), []);
  const dave = new Overlay().device('dave');
  dave.online = false;
  await assert.rejects(dave.engine.sendText('erin', 'hi'), /NO_DEVICES/);
});

test("a user's device added later asks the others for the history: 250 messages (two pages) and the contacts arrive, once, in order", async () => {
  const net = new Overlay();
  const alice = net.device('alice');
  const bob = net.device('bob');
  await alice.engine.requestContact('bob', 'hi');
  await net.settle();
  await bob.engine.answerContact('alice', 'accept');
  await net.settle();
  for (let i = 0; i < 125; i++) {
    await alice.engine.sendText('bob', `a${i}`);
    await bob.engine.sendText('alice', `b${i}`);
  }
  await net.settle();
  const bobTablet = net.device('bob');
  assert.equal(await bobTablet.engine.requestHistory(), true);
  await net.settle();
  await bobTablet.engine.pullOffline();
  await net.settle();
  assert.deepEqual(bobTablet.texts('alice'), bob.texts('alice'));
  assert.equal(bobTablet.texts('alice').length, 250);
  assert.equal(bobTablet.store.contact('alice')?.state, 'accepted');
  assert.equal(bobTablet.store.history(directConversation('alice', 'bob'), 1000).filter((m) => m.outgoing).length, 125, "bob's own messages are his");
  // Alice's device ignores a history page meant for nobody of hers (only a user's own devices answer and take history).
  assert.equal(alice.texts('bob').length, 250);
  const lone = new Overlay().device('zed');
  assert.equal(await lone.engine.requestHistory(), false, 'no other device of this user is known');
});

test('a group of three: messages reach every member with the group named; edits and deletions reach everyone; typing goes live and is never stored', async () => {
  const net = new Overlay();
  const alice = net.device('alice');
  const bob = net.device('bob');
  const carol = net.device('carol');
  const group = alice.engine.createGroup('weekend', ['bob', 'carol']);
  assert.match(group, /^grp:[0-9a-f]{32}$/);
  const first = await alice.engine.sendToConversation(group, 'who is in?');
  await net.settle();
  for (const d of [bob, carol]) {
    assert.deepEqual(d.store.history(group).map((m) => m.text), ['who is in?']);
    assert.deepEqual(d.store.conversation(group), { id: group, title: 'weekend', members: ['alice', 'bob', 'carol'] });
  }
  await bob.engine.sendToConversation(group, 'me');
  await net.settle();
  assert.deepEqual(carol.store.history(group).map((m) => `${m.sender}: ${m.text}`), ['alice: who is in?', 'bob: me']);
  await alice.engine.changeMessage(first.id, 'who is in on Saturday?');
  await net.settle();
  assert.deepEqual([bob.store.message(first.id)?.text, carol.store.message(first.id)?.text], ['who is in on Saturday?', 'who is in on Saturday?']);
  await assert.rejects(bob.engine.changeMessage(first.id, 'mine now'), /NOT_FOUND/, "bob cannot edit alice's message");
  await alice.engine.changeMessage(first.id, null);
  await net.settle();
  assert.equal(carol.store.message(first.id)?.deleted, true);
  const queued = net.mailboxes.get('carol')?.length ?? 0;
  await bob.engine.typing(group);
  await net.settle();
  assert.ok(carol.events.some((e) => e.type === 'typing' && e.from === 'bob' && e.conversation === group));
  assert.equal(net.mailboxes.get('carol')?.length ?? 0, queued, 'typing is not stored for later');
  await assert.rejects(alice.engine.sendToConversation('grp:' + '00'.repeat(16), 'x'), /NOT_FOUND/);
});
