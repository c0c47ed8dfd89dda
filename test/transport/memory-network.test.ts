import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { DH_25519 } from '../../src/crypto/noise/index.js';
import { MemoryNetwork } from '../../src/transport/drivers/memory.js';
import { SessionEndpoint, type SessionEvent } from '../../src/transport/endpoint.js';
import { Prng } from '../../src/util/prng.js';

/** A client sending 300 numbered messages to a server, 20 ms apart, over an impaired network. */
function run(seed: number) {
  const net = new MemoryNetwork(seed, { delayMs: 40, jitterMs: 30, loss: 0.1, duplicate: 0.05, reorder: 0.1 });
  const rng = new Prng(seed + 1);
  const random = (n: number): Uint8Array => rng.bytes(n);
  const serverKey = DH_25519.keyPairFrom(random(32));
  const server = new SessionEndpoint({ staticKey: serverKey, random });
  const client = new SessionEndpoint({ staticKey: DH_25519.keyPairFrom(random(32)), random });
  const received: string[] = [];
  let established = 0;
  net.attach('server', server, (e: SessionEvent) => {
    if (e.type === 'message') received.push(Buffer.from(e.payload).toString());
  });
  net.attach('client', client, (e: SessionEvent) => {
    if (e.type === 'established') established++;
  });
  const id = client.connect(serverKey.publicKey, 'server', net.now);
  net.runUntil(5_000);
  for (let i = 0; i < 300; i++) {
    client.send(id, Buffer.from(`m${i}`), net.now);
    net.runUntil(net.now + 20);
  }
  net.runUntil(net.now + 1_000);
  return { received, established, stats: net.stats };
}

describe('MemoryNetwork', () => {
  test('over loss, duplication and reordering: the handshake completes, nothing arrives twice, most arrives', () => {
    const { received, established, stats } = run(31337);
    assert.equal(established, 1);
    assert.ok(stats.lost > 0 && stats.duplicated > 0, 'the network did impair');
    assert.equal(new Set(received).size, received.length, 'no message twice (the replay window)');
    assert.ok(received.length > 240 && received.length < 300, `${received.length} of 300 with 10% loss`);
    const order = received.map((m) => Number(m.slice(1)));
    assert.ok(order.some((n, i) => i > 0 && n < (order[i - 1] as number)), 'some arrived out of order');
  });

  test('a seed replays a run exactly', () => {
    assert.deepEqual(run(99), run(99));
    assert.notDeepEqual(run(99).received, run(100).received);
  });
});
