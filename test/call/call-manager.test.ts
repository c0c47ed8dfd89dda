import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';

import { CALLS_MAX, CONFERENCE_MAX, CallManager, type CallEvent, type CallTransport } from '../../src/call/call-manager.js';
import { PeerCall } from '../../src/call/call-messages.js';
import { PEER_PROTOCOL } from '../../src/client/peer-messages.js';
import type { PeerCallMessage } from '../../src/client/peer-links.js';
import type { CallRecord } from '../../src/client/store.js';
import type { WireMessage } from '../../src/wire/index.js';

/** Devices' call managers (one per user, `NAME-device`) joined by an in-memory transport that delivers every message `copies` times. */
function network(names: readonly string[], o: { accepts?: boolean; copies?: number } = {}) {
  const managers = new Map<string, CallManager>();
  const events = new Map<string, CallEvent[]>();
  const histories = new Map<string, CallRecord[]>();
  const transport = (self: string): CallTransport => ({
    // Names are looked up as the directory does, whatever their case.
    devices: (typed) => {
      const username = typed.toLowerCase();
      return Promise.resolve(names.includes(username) && `${username}-device` !== self ? [{ key: `${username}-device`, username, account: username }] : []);
    },
    send: (key, message: WireMessage) => {
      const m = PEER_PROTOCOL.decode(message);
      assert.ok(m.ok);
      for (let i = 0; i < (o.copies ?? 1); i++) queueMicrotask(() => managers.get(key)?.receive(m.value as PeerCallMessage, { key: self, account: self.split('-')[0] as string, username: self.split('-')[0] as string }));
      return true;
    },
    path: () => 'direct',
  });
  for (const user of names) {
    const name = `${user}-device`;
    const history: CallRecord[] = [];
    histories.set(name, history);
    events.set(name, []);
    managers.set(name, new CallManager({ username: user, transport: transport(name), history: { addCall: (c) => history.push(c), calls: () => [...history].reverse() }, accepts: () => o.accepts ?? true, onEvent: (e) => events.get(name)?.push(e) }));
  }
  const of = (user: string): CallManager => managers.get(`${user}-device`) as CallManager;
  const close = (): void => managers.forEach((m) => m.close());
  return { of, events, histories, close };
}

function pair(o: { accepts?: boolean; copies?: number } = {}) {
  const n = network(['alice', 'bob'], o);
  return { alice: n.of('alice'), bob: n.of('bob'), events: n.events, histories: n.histories };
}

/** The call events of one device. */
const callEvents = (events: CallEvent[] | undefined) => (events ?? []).flatMap((e) => (e.type === 'call' ? [e.call] : []));

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

test('signalling delivered twice is handled once: one ring, one answer, one history entry each', async () => {
  const { alice, bob, histories, events } = pair({ copies: 2 });
  const placed = await alice.dial('bob');
  await settle();
  assert.deepEqual(bob.live().map((c) => c.state), ['incoming']);
  assert.equal(alice.get(placed.id).state, 'ringing');
  bob.answer(undefined, {});
  await settle();
  assert.equal(alice.get(placed.id).state, 'active');
  alice.hangup(placed.id);
  await settle();
  assert.equal(bob.get(placed.id).reason, 'remote-hung-up');
  assert.deepEqual([histories.get('alice-device')?.length, histories.get('bob-device')?.length], [1, 1]);
  assert.equal(callEvents(events.get('bob-device')).filter((c) => c.state === 'incoming').length, 1, 'rang once');
  alice.close();
  bob.close();
});

test('a stranger\'s call is declined without ringing: no event, no history on the callee', async () => {
  const { alice, bob, events, histories } = pair({ accepts: false });
  const placed = await alice.dial('bob');
  await settle();
  assert.equal(alice.get(placed.id).reason, 'declined');
  assert.deepEqual(events.get('bob-device'), []);
  assert.deepEqual(histories.get('bob-device'), []);
  assert.deepEqual(bob.live(), []);
  alice.close();
  bob.close();
});

test('a flood of invitations rings at most CALLS_MAX calls; bad actions are refused with a reason', async () => {
  const { alice, bob } = pair();
  for (let i = 0; i < CALLS_MAX + 20; i++) {
    const m = PEER_PROTOCOL.decode(PeerCall.toMessage({ call: new Uint8Array(randomBytes(16)), n: 1, signal: 'invite', roster: [] }, 0));
    assert.ok(m.ok);
    bob.receive(m.value as PeerCallMessage, { key: 'alice-device', account: 'alice', username: 'alice' });
  }
  assert.equal(bob.live().length, CALLS_MAX);
  assert.throws(() => bob.answer(undefined, {}), { code: 'NOT_NOW' }, 'which of the ringing calls is not said');
  assert.throws(() => bob.hangup('0'.repeat(32)), { code: 'NOT_FOUND' });
  await assert.rejects(alice.dial('nobody'), { code: 'NOT_FOUND' });
  await assert.rejects(alice.dial('bob', { durationMs: 0 }), { code: 'BAD_INPUT' });
  alice.close();
  bob.close();
});

/** Lets the in-memory messages run until `check` holds (each round flushes queued deliveries). */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await settle();
  }
  assert.fail(`never: ${what}`);
}

test('a conference: everyone invited rings with the roster; who answers is in; a participant who leaves is out; the host leaving ends it for everyone', async () => {
  const net = network(['alice', 'bob', 'carol', 'dave']);
  const [alice, bob, carol, dave] = ['alice', 'bob', 'carol', 'dave'].map(net.of) as [CallManager, CallManager, CallManager, CallManager];
  const conf = await alice.conference(['bob', 'carol', 'dave']);
  assert.deepEqual(conf.roster, ['alice']);
  assert.equal(conf.calls.length, 3);
  await until(() => [bob, carol, dave].every((m) => m.live().length === 1), 'everyone rings');
  assert.deepEqual(bob.live()[0]?.conference, { id: null, host: 'alice', roster: ['alice'] }, 'the invitation says it is a conference');
  bob.answer(undefined, {});
  carol.answer(undefined, {});
  await until(() => alice.getConference(conf.id).roster.length === 3 && carol.live()[0]?.conference?.roster.length === 3, 'bob and carol are in');
  assert.deepEqual(alice.getConference(conf.id).roster, ['alice', 'bob', 'carol']);
  assert.deepEqual(bob.live()[0]?.conference?.roster, ['alice', 'bob', 'carol']);
  assert.equal(alice.live().find((c) => c.peer === 'bob')?.conference?.id, conf.id);
  // Carol leaves: the others go on.
  carol.hangup();
  await until(() => bob.live()[0]?.conference?.roster.length === 2, 'bob hears that carol left');
  assert.deepEqual(alice.getConference(conf.id).roster, ['alice', 'bob']);
  assert.equal(alice.getConference(conf.id).endedAt, null);
  // A participant cannot add people; the host's hang-up (no id: the conference is its only call) ends it.
  await assert.rejects(bob.addToCall(undefined, 'dave'), { code: 'NOT_NOW', message: /only the conference's host, alice/ });
  const ended = alice.hangup();
  assert.ok('calls' in ended, 'the hang-up acted on the conference');
  await until(() => bob.live().length === 0 && dave.live().length === 0, 'the conference is over for everyone');
  const bobs = callEvents(net.events.get('bob-device')).at(-1);
  assert.equal(bobs?.reason, 'conference-ended');
  assert.equal(callEvents(net.events.get('dave-device')).at(-1)?.reason, 'missed', 'a participant still ringing is cancelled');
  const final = alice.getConference(conf.id);
  assert.notEqual(final.endedAt, null);
  assert.deepEqual(final.calls.map((c) => c.reason), ['hung-up', 'remote-hung-up', 'cancelled']);
  assert.equal((net.events.get('alice-device') ?? []).filter((e) => e.type === 'conference').at(-1)?.type, 'conference');
  net.close();
});

test('adding someone to a call makes it a conference hosted by whoever added; bad additions are refused and change nothing', async () => {
  const net = network(['alice', 'bob', 'carol']);
  const [alice, bob, carol] = ['alice', 'bob', 'carol'].map(net.of) as [CallManager, CallManager, CallManager];
  await assert.rejects(bob.addToCall(undefined, 'carol'), { code: 'NOT_FOUND' }, 'no call');
  const placed = await alice.dial('bob');
  await until(() => bob.live().length === 1, 'bob rings');
  await assert.rejects(bob.addToCall(undefined, 'carol'), { code: 'NOT_FOUND' }, 'not yet answered');
  bob.answer(undefined, {});
  await until(() => alice.get(placed.id).state === 'active', 'answered');
  // The callee adds carol: bob hosts, and alice learns it is a conference.
  await assert.rejects(bob.addToCall(undefined, 'alice'), { code: 'BAD_INPUT' }, 'already in');
  await assert.rejects(bob.addToCall(undefined, 'bob'), { code: 'BAD_INPUT' }, 'the host itself');
  await assert.rejects(bob.addToCall(undefined, 'nobody'), { code: 'NOT_FOUND' });
  assert.equal(bob.live()[0]?.conference, null, 'the failed additions changed nothing');
  await assert.rejects(bob.addToCall(undefined, 'ALICE'), { code: 'BAD_INPUT' }, 'already in, whatever the case');
  const conf = await bob.addToCall(undefined, 'carol');
  assert.equal(conf.host, 'bob');
  await until(() => carol.live().length === 1, 'carol rings');
  assert.deepEqual(carol.live()[0]?.conference, { id: null, host: 'bob', roster: ['bob', 'alice'] }, 'her invitation says who is in');
  await until(() => alice.get(placed.id).conference?.host === 'bob', 'alice is told bob hosts');
  carol.answer(undefined, {});
  await until(() => alice.get(placed.id).conference?.roster.length === 3, 'carol is in');
  assert.deepEqual(alice.get(placed.id).conference?.roster, ['bob', 'alice', 'carol']);
  // Alice (a participant) hangs up: the conference goes on with carol.
  alice.hangup(placed.id);
  await until(() => carol.live()[0]?.conference?.roster.length === 2, 'carol hears alice left');
  bob.hangup();
  await until(() => carol.live().length === 0, 'over');
  assert.equal(callEvents(net.events.get('carol-device')).at(-1)?.reason, 'conference-ended');
  net.close();
});

test('conference limits: a list that is empty, too long, repeats someone or names the host is refused; one unreachable user dials nobody', async () => {
  const names = Array.from({ length: CONFERENCE_MAX + 1 }, (_, i) => `u${i}`);
  const net = network(names);
  const host = net.of('u0');
  await assert.rejects(host.conference([]), { code: 'BAD_INPUT' });
  await assert.rejects(host.conference(names.slice(1)), { code: 'BAD_INPUT', message: new RegExp(`1 to ${CONFERENCE_MAX - 1}`) });
  await assert.rejects(host.conference(['u1', 'u1']), { code: 'BAD_INPUT' });
  await assert.rejects(host.conference(['u0', 'u1']), { code: 'BAD_INPUT' });
  await assert.rejects(host.conference(['u1', 'U1']), { code: 'BAD_INPUT' }, 'the same user, in another case');
  await assert.rejects(host.conference(['U0']), { code: 'BAD_INPUT' }, 'the host, in another case');
  await assert.rejects(host.conference(['u1', 'ghost']), { code: 'NOT_FOUND', message: /ghost has no device/ });
  await settle();
  assert.deepEqual(host.live(), []);
  assert.deepEqual(net.of('u1').live(), [], 'nobody was invited');
  const conf = await host.conference(names.slice(1, CONFERENCE_MAX));
  assert.equal(conf.calls.length, CONFERENCE_MAX - 1);
  await assert.rejects(host.addToCall(conf.id, names[CONFERENCE_MAX] as string), { code: 'NOT_NOW', message: new RegExp(`at most ${CONFERENCE_MAX}`) });
  net.close();
});

test('a bye that claims to end a conference ends a two-party call as an ordinary hang-up', async () => {
  const { alice, bob } = pair();
  const placed = await alice.dial('bob');
  await until(() => bob.live().length === 1, 'bob rings');
  bob.answer(undefined, {});
  await until(() => alice.get(placed.id).state === 'active', 'answered');
  const forged = PEER_PROTOCOL.decode(PeerCall.toMessage({ call: Buffer.from(placed.id, 'hex'), n: 99, signal: 'bye', roster: [], endsConference: true }, 0));
  assert.ok(forged.ok);
  bob.receive(forged.value as PeerCallMessage, { key: 'alice-device', account: 'alice', username: 'alice' });
  assert.equal(bob.get(placed.id).reason, 'remote-hung-up');
  alice.close();
  bob.close();
});

test("a conference's summary outlives the manager's list of ended calls (which any peer can fill); muting any of its calls mutes the host, also to those who answer later", async () => {
  const net = network(['alice', 'bob', 'carol', 'dave']);
  const [alice, bob, carol, dave] = ['alice', 'bob', 'carol', 'dave'].map(net.of) as [CallManager, CallManager, CallManager, CallManager];
  const conf = await alice.conference(['bob', 'carol', 'dave']);
  await until(() => [bob, carol, dave].every((m) => m.live().length === 1), 'everyone rings');
  bob.answer(undefined, {});
  carol.answer(undefined, {});
  await until(() => alice.getConference(conf.id).roster.length === 3, 'bob and carol are in');
  const bobLeg = alice.live().find((c) => c.peer === 'bob')?.id as string;
  alice.mute(bobLeg, true);
  assert.equal(alice.getConference(conf.id).muted, true, "muting bob's call mutes the host");
  await until(() => carol.live()[0]?.remoteMuted === true, 'carol is told');
  dave.answer(undefined, {});
  await until(() => dave.live()[0]?.remoteMuted === true, 'dave, who answered later, is told too');
  bob.hangup();
  await until(() => alice.getConference(conf.id).roster.length === 3, 'bob is out');
  // A flood of strangers' invitations, each declined at once and remembered as ended.
  for (let i = 0; i < 1_100; i++) {
    const m = PEER_PROTOCOL.decode(PeerCall.toMessage({ call: new Uint8Array(randomBytes(16)), n: 1, signal: 'invite', roster: [] }, 0));
    assert.ok(m.ok);
    alice.receive(m.value as PeerCallMessage, { key: 'mallory-device', account: 'mallory', username: 'mallory' });
  }
  assert.equal(alice.getConference(conf.id).calls.find((c) => c.peer === 'bob')?.reason, 'remote-hung-up');
  assert.equal(alice.liveConferences().length, 1);
  carol.hangup();
  dave.hangup();
  await until(() => alice.getConference(conf.id).endedAt !== null, 'the conference is over');
  const last = (net.events.get('alice-device') ?? []).filter((e) => e.type === 'conference').at(-1);
  assert.ok(last?.type === 'conference' && last.conference.endedAt !== null, 'its end was told');
  assert.deepEqual(last.conference.calls.map((c) => c.peer), ['bob', 'carol', 'dave']);
  net.close();
});
