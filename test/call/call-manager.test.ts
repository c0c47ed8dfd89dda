import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';

import { CALLS_MAX, CallManager, type CallEvent, type CallTransport } from '../../src/call/call-manager.js';
import { PeerCall } from '../../src/call/call-messages.js';
import { PEER_PROTOCOL } from '../../src/client/peer-messages.js';
import type { PeerCallMessage } from '../../src/client/peer-links.js';
import type { CallRecord } from '../../src/client/store.js';
import type { WireMessage } from '../../src/wire/index.js';

/** Two devices' call managers joined by an in-memory transport that delivers every message `copies` times. */
function pair(o: { accepts?: boolean; copies?: number } = {}) {
  const managers = new Map<string, CallManager>();
  const events = new Map<string, CallEvent[]>();
  const histories = new Map<string, CallRecord[]>();
  const transport = (self: string): CallTransport => ({
    devices: (username) => Promise.resolve(username === 'bob' ? [{ key: 'bob-device', username: 'bob', account: 'bob' }] : []),
    send: (key, message: WireMessage) => {
      const m = PEER_PROTOCOL.decode(message);
      assert.ok(m.ok);
      for (let i = 0; i < (o.copies ?? 1); i++) queueMicrotask(() => managers.get(key)?.receive(m.value as PeerCallMessage, { key: self, account: self.split('-')[0] as string, username: self.split('-')[0] as string }));
      return true;
    },
    path: () => 'direct',
  });
  for (const name of ['alice-device', 'bob-device']) {
    const history: CallRecord[] = [];
    histories.set(name, history);
    events.set(name, []);
    managers.set(name, new CallManager({ transport: transport(name), history: { addCall: (c) => history.push(c), calls: () => [...history].reverse() }, accepts: () => o.accepts ?? true, onEvent: (e) => events.get(name)?.push(e) }));
  }
  return { alice: managers.get('alice-device') as CallManager, bob: managers.get('bob-device') as CallManager, events, histories };
}

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
  assert.equal((events.get('bob-device') ?? []).filter((e) => e.call.state === 'incoming').length, 1, 'rang once');
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
    const m = PEER_PROTOCOL.decode(PeerCall.toMessage({ call: new Uint8Array(randomBytes(16)), n: 1, signal: 'invite' }, 0));
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
