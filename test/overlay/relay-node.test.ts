import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DirectoryError } from '../../src/overlay/directory/messages.js';
import { RelayClose, RelayClosed, RelayData, RelayOpen, RelayOpened, RelayRefresh, RelaySend } from '../../src/overlay/relay/messages.js';
import { RelayNode } from '../../src/overlay/relay/relay-node.js';
import { Prng } from '../../src/util/prng.js';
import { decodeMessage, encodeMessage, type WireMessage } from '../../src/wire/index.js';

const alice = { accountKey: 'alice', deviceId: new Uint8Array(16).fill(1) };
const bob = { accountKey: 'bob', deviceId: new Uint8Array(16).fill(2) };

/** A relay node where bob's device has session "b" and carol's "c"; what it sends, decoded, by client. */
function setup(limits = {}) {
  const sessions: Record<string, string[]> = { [`bob/${'02'.repeat(16)}`]: ['b'], [`carol/${'03'.repeat(16)}`]: ['c'] };
  const rng = new Prng(9);
  const node = new RelayNode((account, device) => sessions[`${account}/${Buffer.from(device).toString('hex')}`] ?? [], (n) => rng.bytes(n), limits);
  const out = (): { client: string; m: WireMessage }[] => {
    const got: { client: string; m: WireMessage }[] = [];
    for (let o = node.poll(); o; o = node.poll()) {
      const d = decodeMessage(o.bytes);
      assert.ok(d.ok);
      got.push({ client: o.client, m: d.value });
    }
    return got;
  };
  const open = (client: string, who: typeof alice | null, recipient: string, deviceId: Uint8Array, now: number, requestId = 7): WireMessage => {
    node.handleClient(client, who, encodeMessage(RelayOpen.toMessage({ recipient, deviceId }, requestId)), now);
    const [reply] = out();
    assert.ok(reply);
    return reply.m;
  };
  return { node, out, open };
}

const allocationOf = (m: WireMessage): Uint8Array => {
  const r = RelayOpened.fromMessage(m);
  assert.ok(r.ok, `not relay-opened: ${JSON.stringify(DirectoryError.fromMessage(m))}`);
  return r.value.allocation;
};
const codeOf = (m: WireMessage): string => {
  const e = DirectoryError.fromMessage(m);
  assert.ok(e.ok, 'not a refusal');
  return e.value.code;
};

test('a relay allocation passes data between its two ends only, both ways; a close tells the other end', () => {
  const { node, out, open } = setup();
  const allocation = allocationOf(open('a', alice, 'Bob', bob.deviceId, 1000));
  node.handleClient('a', alice, encodeMessage(RelaySend.toMessage({ allocation, data: Uint8Array.of(1, 2, 3) }, 8)), 1001);
  node.handleClient('b', bob, encodeMessage(RelaySend.toMessage({ allocation, data: Uint8Array.of(4) }, 9)), 1002);
  node.handleClient('x', null, encodeMessage(RelaySend.toMessage({ allocation, data: Uint8Array.of(5) }, 9)), 1003);
  const sent = out();
  assert.deepEqual(sent.map((s) => [s.client, Array.from(RelayData.fromMessage(s.m).ok ? (RelayData.fromMessage(s.m) as { value: { data: Uint8Array } }).value.data : [])]), [['b', [1, 2, 3]], ['a', [4]]]);
  assert.equal(node.stats.dropped, 1, 'a stranger’s datagram is dropped');
  node.handleClient('b', bob, encodeMessage(RelayClose.toMessage({ allocation }, 10)), 1004);
  const [told] = out();
  assert.equal(told?.client, 'a');
  assert.ok(told && RelayClosed.fromMessage(told.m).ok);
  assert.equal(node.size, 0);
});

test('relay limits: hello first, a device with a session here, a quota per user, a byte rate, a byte total, an idle time; a closed session closes its allocations', () => {
  const { node, out, open } = setup({ perUser: 2, bytesPerSecond: 1000, burstBytes: 1000, bytesMax: 1500, idleMs: 30_000 });
  assert.equal(codeOf(open('a', null, 'bob', bob.deviceId, 0)), 'NOT_IDENTIFIED');
  assert.equal(codeOf(open('a', alice, 'dave', bob.deviceId, 0)), 'NOT_ATTACHED');
  assert.equal(codeOf(open('a', alice, 'Not A Name!', bob.deviceId, 0)), 'USERNAME_INVALID');
  const first = allocationOf(open('a', alice, 'bob', bob.deviceId, 0));
  allocationOf(open('a', alice, 'carol', new Uint8Array(16).fill(3), 0));
  assert.equal(codeOf(open('a2', alice, 'bob', bob.deviceId, 0)), 'QUOTA', 'two per user, over all its devices');
  assert.equal(node.stats.refused, 4);

  // Rate: 1000 bytes at once pass, the next 600 do not until the bucket refills.
  const send = (n: number, now: number): void => node.handleClient('a', alice, encodeMessage(RelaySend.toMessage({ allocation: first, data: new Uint8Array(n) }, 1)), now);
  send(1000, 10);
  send(600, 10);
  assert.equal(out().length, 1);
  assert.equal(node.stats.dropped, 1);
  send(400, 700);
  assert.equal(out().length, 1);
  // Total: 1400 of 1500 carried; 200 more closes it, and both ends hear why.
  send(200, 5000);
  const closed = out().map((o) => [o.client, RelayClosed.fromMessage(o.m).ok && (RelayClosed.fromMessage(o.m) as { value: { code: string } }).value.code]);
  assert.deepEqual(closed, [['a', 'BYTES'], ['b', 'BYTES']]);

  // Idle: the allocation to carol, untouched for 30 s, is closed by the sweep (both ends told); the one to bob, refreshed, stays until it idles too.
  const third = allocationOf(open('a', alice, 'bob', bob.deviceId, 6000));
  node.handleClient('b', bob, encodeMessage(RelayRefresh.toMessage({ allocation: third }, 2)), 20_000);
  assert.ok(RelayOpened.fromMessage(out()[0]?.m as WireMessage).ok, 'either end refreshes');
  node.handleTimeout(40_000);
  assert.deepEqual(out().map((o) => o.client).sort(), ['a', 'c']);
  assert.equal(node.size, 1);
  node.handleTimeout(80_000);
  assert.deepEqual(out().map((o) => o.client).sort(), ['a', 'b']);
  node.handleClient('a', alice, encodeMessage(RelayRefresh.toMessage({ allocation: third }, 3)), 80_001);
  assert.equal(codeOf(out()[0]?.m as WireMessage), 'NOT_FOUND');
});

test('relay: an end whose session closes closes its allocations, and the other end is told GONE; malformed input is answered and counted', () => {
  const { node, out, open } = setup();
  const allocation = allocationOf(open('a', alice, 'bob', bob.deviceId, 0));
  node.clientClosed('b');
  const [told] = out();
  assert.equal(told?.client, 'a');
  const c = RelayClosed.fromMessage(told?.m);
  assert.ok(c.ok && c.value.code === 'GONE' && Buffer.from(c.value.allocation).equals(allocation));
  assert.equal(node.size, 0);
  node.handleClient('a', alice, Uint8Array.of(1, 2, 3), 1);
  assert.equal(codeOf(out()[0]?.m as WireMessage), 'BAD_REQUEST');
  assert.equal(node.stats.malformed, 1);
});
