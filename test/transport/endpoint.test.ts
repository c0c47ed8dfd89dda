import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { DH_25519 } from '../../src/crypto/noise/index.js';
import { type EndpointOptions, type Output, type SessionEvent, SessionEndpoint } from '../../src/transport/endpoint.js';
import type { SessionLimits } from '../../src/transport/session-limits.js';
import { Prng } from '../../src/util/prng.js';

/** Endpoints on virtual time, exchanging datagrams in memory; a filter may drop or redirect them. */
class Net {
  now = 1_000_000;
  readonly endpoints = new Map<string, SessionEndpoint>();
  readonly events = new Map<string, SessionEvent[]>();
  readonly wire: { from: string; to: string; bytes: Uint8Array }[] = [];
  /** Returns false to drop a datagram. */
  filter: (d: { from: string; to: string; bytes: Uint8Array }) => boolean = () => true;
  /** The address a sender's datagrams appear to come from (NAT rebinding). */
  readonly sourceOf = new Map<string, string>();

  add(address: string, seed: number, limits: Partial<SessionLimits> = {}, application = new Uint8Array(0)): { endpoint: SessionEndpoint; publicKey: Uint8Array } {
    const rng = new Prng(seed);
    const staticKey = DH_25519.keyPairFrom(rng.bytes(32));
    const options: EndpointOptions = { staticKey, random: (n) => rng.bytes(n), limits, application };
    const endpoint = new SessionEndpoint(options);
    this.endpoints.set(address, endpoint);
    this.events.set(address, []);
    return { endpoint, publicKey: staticKey.publicKey };
  }

  /** Delivers until nothing is left to deliver. */
  run(): void {
    for (let moved = true; moved; ) {
      moved = false;
      for (const [address, e] of this.endpoints) {
        for (let o: Output | null; (o = e.poll()); ) {
          moved = true;
          if (o.type === 'event') {
            this.events.get(address)?.push(o.event);
            continue;
          }
          const d = { from: this.sourceOf.get(address) ?? address, to: o.to, bytes: o.bytes };
          this.wire.push(d);
          if (!this.filter(d)) continue;
          const target = this.endpoints.get(o.to) ?? [...this.endpoints.entries()].find(([a]) => this.sourceOf.get(a) === o.to)?.[1];
          target?.handle(o.bytes, d.from, this.now);
        }
      }
    }
  }

  /** Advances virtual time to `t`, firing every deadline on the way. */
  advanceTo(t: number): void {
    for (;;) {
      const due = Math.min(...[...this.endpoints.values()].map((e) => e.nextDeadline() ?? Infinity));
      if (due > t) break;
      this.now = Math.max(this.now, due);
      for (const e of this.endpoints.values()) if ((e.nextDeadline() ?? Infinity) <= this.now) e.handleTimeout(this.now);
      this.run();
    }
    this.now = t;
  }

  eventsOf(address: string, type: SessionEvent['type']): SessionEvent[] {
    return (this.events.get(address) ?? []).filter((e) => e.type === type);
  }
}

const text = (e: SessionEvent): string => (e.type === 'message' ? Buffer.from(e.payload).toString() : '');

/** A client and a server with a session, established. */
function pair(limits: Partial<SessionLimits> = {}) {
  const net = new Net();
  const server = net.add('server', 1, limits, Buffer.from('server cert'));
  const client = net.add('client', 2, limits, Buffer.from('client cert'));
  const session = client.endpoint.connect(server.publicKey, 'server', net.now);
  net.run();
  return { net, server, client, session };
}

describe('SessionEndpoint: handshake and transport', () => {
  test('both sides establish, learn each other (static key, application data) and exchange messages', () => {
    const { net, server, client, session } = pair();
    const [ce] = net.eventsOf('client', 'established');
    const [se] = net.eventsOf('server', 'established');
    assert.ok(ce?.type === 'established' && se?.type === 'established');
    assert.deepEqual(Buffer.from(ce.remoteStatic), Buffer.from(server.publicKey));
    assert.deepEqual(Buffer.from(se.remoteStatic), Buffer.from(client.publicKey));
    assert.equal(Buffer.from(ce.application).toString(), 'server cert');
    assert.equal(Buffer.from(se.application).toString(), 'client cert');
    assert.deepEqual(Buffer.from(ce.handshakeHash), Buffer.from(se.handshakeHash));
    client.endpoint.send(session, Buffer.from('hello server'), net.now);
    net.run();
    assert.deepEqual(net.eventsOf('server', 'message').map(text), ['hello server']);
    server.endpoint.send(se.session, Buffer.from('hello client'), net.now);
    net.run();
    assert.deepEqual(net.eventsOf('client', 'message').map(text), ['hello client']);
  });

  test('payloads sent before the handshake completes are delivered once it does, in order', () => {
    const net = new Net();
    const server = net.add('server', 1);
    const client = net.add('client', 2);
    const id = client.endpoint.connect(server.publicKey, 'server', net.now);
    for (const m of ['one', 'two', 'three']) client.endpoint.send(id, Buffer.from(m), net.now);
    assert.equal(client.endpoint.waitingPayloads, 3, 'waiting for keys');
    net.run();
    assert.deepEqual(net.eventsOf('server', 'message').map(text), ['one', 'two', 'three']);
    assert.equal(client.endpoint.waitingPayloads, 0, 'all sent');
  });

  test('a lost initiation is retransmitted with backoff (a fresh initiation each time)', () => {
    const net = new Net();
    const server = net.add('server', 1, { handshakeRetryMs: 1000, handshakeBackoff: 2 });
    const client = net.add('client', 2, { handshakeRetryMs: 1000, handshakeBackoff: 2 });
    let dropped = 0;
    net.filter = (d) => !(d.to === 'server' && dropped++ < 2);
    const start = net.now;
    client.endpoint.connect(server.publicKey, 'server', net.now);
    net.run();
    net.advanceTo(start + 10_000);
    const sent = net.wire.filter((d) => d.to === 'server').slice(0, 3);
    assert.equal(sent.length, 3);
    assert.notDeepEqual(Buffer.from(sent[0]?.bytes ?? []), Buffer.from(sent[1]?.bytes ?? []));
    assert.equal(net.eventsOf('client', 'established').length, 1);
    assert.equal(client.endpoint.stats.handshakesCompleted, 1);
  });

  test('an unreachable responder: handshake-timeout after handshakeTimeoutMs', () => {
    const net = new Net();
    net.add('server', 1);
    const client = net.add('client', 2, { handshakeTimeoutMs: 5000 });
    const other = DH_25519.keyPairFrom(new Prng(9).bytes(32));
    const start = net.now;
    client.endpoint.connect(other.publicKey, 'nowhere', net.now);
    net.run();
    net.advanceTo(start + 4999);
    assert.equal(net.eventsOf('client', 'closed').length, 0);
    net.advanceTo(start + 5000);
    const [closed] = net.eventsOf('client', 'closed');
    assert.ok(closed?.type === 'closed' && closed.reason === 'handshake-timeout');
    assert.equal(client.endpoint.sessionCount, 0);
  });
});

describe('SessionEndpoint: what does not authenticate changes nothing', () => {
  test('a replayed transport packet is dropped; the message arrives once', () => {
    const { net, server, client, session } = pair();
    client.endpoint.send(session, Buffer.from('once'), net.now);
    net.run();
    const last = net.wire.filter((d) => d.to === 'server').at(-1);
    assert.ok(last);
    const before = server.endpoint.stats.dropped;
    server.endpoint.handle(last.bytes, last.from, net.now);
    net.run();
    assert.deepEqual(net.eventsOf('server', 'message').map(text), ['once']);
    assert.equal(server.endpoint.stats.dropped, before + 1);
  });

  test('a replayed initiation gets no response and makes no session', () => {
    const { net, server } = pair();
    const initiation = net.wire.find((d) => d.to === 'server');
    assert.ok(initiation);
    const wireBefore = net.wire.length;
    server.endpoint.handle(initiation.bytes, initiation.from, net.now);
    net.run();
    assert.equal(net.wire.length, wireBefore);
    assert.equal(server.endpoint.sessionCount, 1);
  });

  test('100,000 random and mutated datagrams: no event, no state change; each dropped or (mac2 bits only) a cookie', () => {
    const { net, server, client, session } = pair();
    client.endpoint.send(session, Buffer.from('real'), net.now);
    net.run();
    const real = net.wire.filter((d) => d.to === 'server').map((d) => d.bytes);
    const rng = new Prng(424242);
    const before = { dropped: server.endpoint.stats.dropped, cookies: server.endpoint.stats.cookiesSent, sessions: server.endpoint.sessionCount, deadline: server.endpoint.nextDeadline() };
    for (let i = 0; i < 100_000; i++) {
      let d: Uint8Array;
      if (i % 2 === 0) {
        d = rng.bytes(rng.int(0, 300));
      } else {
        // 1-4 distinct bits flipped: a mutation, never the original again. Under load (these count as
        // load) an initiation whose flips all fell in mac2 still has a valid mac1 and earns a 65-byte
        // cookie reply, as in WireGuard (docs/transport.md): stateless, no DH, no session.
        d = Uint8Array.from(rng.pick(real));
        const bits = new Set<number>();
        for (let f = rng.int(1, 4); bits.size < f; ) bits.add(rng.int(0, d.length * 8 - 1));
        for (const bit of bits) d[bit >>> 3] = (d[bit >>> 3] as number) ^ (1 << (bit & 7));
      }
      server.endpoint.handle(d, `udp:203.0.113.${i % 250}:${1024 + (i % 60000)}`, net.now);
    }
    const replies: Output[] = [];
    for (let o: Output | null; (o = server.endpoint.poll()); ) replies.push(o);
    for (const o of replies) assert.ok(o.type === 'datagram' && o.kind === 'cookie' && o.bytes.length === 65, JSON.stringify(o.type));
    const cookies = server.endpoint.stats.cookiesSent - before.cookies;
    assert.equal(replies.length, cookies);
    assert.ok(cookies < 2_000, `${cookies} cookies`); // only flips confined to mac2's 128 of ~1,000 bits
    assert.equal(server.endpoint.stats.dropped - before.dropped + cookies, 100_000);
    assert.equal(server.endpoint.sessionCount, before.sessions);
    assert.equal(server.endpoint.nextDeadline(), before.deadline);
    assert.equal(server.endpoint.addressOf(net.eventsOf('server', 'established')[0]?.session ?? -1), 'client');
  });
});

describe('SessionEndpoint: roaming, keepalives, idle, rekey', () => {
  test('the initiator moves to a new address: the session follows after an authenticated packet only', () => {
    const { net, server, client, session } = pair();
    const serverSession = net.eventsOf('server', 'established')[0]?.session ?? -1;
    // A forged packet from the new address first: nothing moves.
    server.endpoint.handle(new Prng(5).bytes(80), 'client-new-port', net.now);
    assert.equal(server.endpoint.addressOf(serverSession), 'client');
    net.sourceOf.set('client', 'client-new-port');
    client.endpoint.send(session, Buffer.from('from my new port'), net.now);
    net.run();
    assert.equal(server.endpoint.addressOf(serverSession), 'client-new-port');
    const [roamed] = net.eventsOf('server', 'roamed');
    assert.ok(roamed?.type === 'roamed' && roamed.address === 'client-new-port');
    server.endpoint.send(serverSession, Buffer.from('reply'), net.now);
    net.run();
    assert.equal(net.wire.at(-1)?.to, 'client-new-port');
    assert.deepEqual(net.eventsOf('client', 'message').map(text), ['reply']);
  });

  test('keepalives every keepaliveMs keep both sides alive; silence closes after idleTimeoutMs', () => {
    const { net, server, client } = pair({ keepaliveMs: 15_000, idleTimeoutMs: 60_000 });
    const start = net.now;
    net.advanceTo(start + 120_000);
    assert.equal(net.eventsOf('client', 'closed').length, 0);
    assert.ok(client.endpoint.stats.transportSent >= 120_000 / 15_000 - 1, `${client.endpoint.stats.transportSent} keepalives`);
    net.filter = () => false; // the path goes dead
    net.advanceTo(start + 200_000);
    const [closed] = net.eventsOf('server', 'closed');
    assert.ok(closed?.type === 'closed' && closed.reason === 'idle');
    assert.equal(server.endpoint.sessionCount, 0);
  });

  test('rekey after rekeyAfterMs: a new handshake, and messages keep flowing', () => {
    const { net, server, client, session } = pair({ rekeyAfterMs: 30_000, rejectAfterMs: 45_000, keepaliveMs: 10_000 });
    const start = net.now;
    for (let t = 1; t <= 10; t++) {
      net.advanceTo(start + t * 10_000);
      client.endpoint.send(session, Buffer.from(`m${t}`), net.now);
      net.run();
    }
    assert.ok(client.endpoint.stats.handshakesCompleted >= 3, `${client.endpoint.stats.handshakesCompleted} handshakes`);
    assert.deepEqual(net.eventsOf('server', 'message').map(text), Array.from({ length: 10 }, (_, i) => `m${i + 1}`));
    assert.equal(net.eventsOf('server', 'closed').length, 0);
    assert.equal(server.endpoint.sessionCount, 1);
  });
});

describe('SessionEndpoint: connect with a bad key', () => {
  test('a wrong-length or low-order key throws and leaves no session behind', () => {
    const net = new Net();
    const client = net.add('client', 2);
    assert.throws(() => client.endpoint.connect(new Uint8Array(31), 'server', net.now), RangeError);
    assert.throws(() => client.endpoint.connect(new Uint8Array(32), 'server', net.now), RangeError); // the all-zero point
    assert.equal(client.endpoint.sessionCount, 0);
    assert.equal(client.endpoint.nextDeadline(), null);
    const server = net.add('server', 1);
    client.endpoint.connect(server.publicKey, 'server', net.now);
    net.run();
    assert.equal(net.eventsOf('client', 'established').length, 1);
  });
});

describe('SessionEndpoint: cookies under load', () => {
  test('over the load limit the responder answers with a cookie, and the initiator gets through with it', () => {
    const net = new Net();
    const server = net.add('server', 1, { handshakesPerSecondUnderLoad: 0 });
    const client = net.add('client', 2);
    client.endpoint.connect(server.publicKey, 'server', net.now);
    net.run();
    assert.equal(server.endpoint.stats.cookiesSent, 1);
    assert.equal(net.eventsOf('client', 'established').length, 1);
    assert.equal(net.eventsOf('server', 'established').length, 1);
  });

  test('a repeated (or forged) cookie reply resends the same initiation at most once and keeps the handshake', () => {
    const net = new Net();
    const server = net.add('server', 1, { handshakesPerSecondUnderLoad: 0 });
    const client = net.add('client', 2);
    let cookie: Uint8Array | null = null;
    net.filter = (d) => {
      if (d.from === 'server' && !cookie) cookie = d.bytes;
      return d.to !== 'client'; // hold every reply back
    };
    client.endpoint.connect(server.publicKey, 'server', net.now);
    net.run();
    assert.ok(cookie);
    for (let i = 0; i < 5; i++) client.endpoint.handle(cookie, 'server', net.now);
    net.run();
    const initiations = net.wire.filter((d) => d.to === 'server');
    assert.equal(initiations.length, 2);
    // The resend is the same handshake: the server's response to it still completes the client's.
    net.filter = () => true;
    const response = net.wire.filter((d) => d.from === 'server').at(-1);
    assert.ok(response);
    client.endpoint.handle(response.bytes, 'server', net.now);
    net.run();
    assert.equal(net.eventsOf('client', 'established').length, 1);
    assert.equal(net.eventsOf('server', 'established').length, 1);
  });

  test('an initiator whose cookie is for its old address gets a fresh cookie and gets through', () => {
    const net = new Net();
    const server = net.add('server', 1, { handshakesPerSecondUnderLoad: 0 });
    const client = net.add('client', 2);
    let toServer = 0;
    net.filter = (d) => d.to !== 'server' || ++toServer !== 2; // the resend with the cookie is lost
    client.endpoint.connect(server.publicKey, 'server', net.now);
    net.run();
    assert.equal(server.endpoint.stats.cookiesSent, 1);
    assert.equal(net.eventsOf('client', 'established').length, 0);
    net.sourceOf.set('client', 'udp:192.0.2.7:4000'); // the NAT rebinds before the retry
    net.advanceTo(net.now + 10_000);
    assert.equal(server.endpoint.stats.cookiesSent, 2); // the retry's mac2 is for the old address
    assert.equal(net.eventsOf('client', 'established').length, 1);
  });

  test('under load, initiations from spoofed sources cost no session and no DH: each gets only a cookie', () => {
    const net = new Net();
    const server = net.add('server', 1, { handshakesPerSecondUnderLoad: 0 });
    const client = net.add('client', 2);
    net.filter = (d) => d.to !== 'server'; // capture the client's initiation
    client.endpoint.connect(server.publicKey, 'server', net.now);
    net.run();
    const initiation = net.wire.find((d) => d.to === 'server');
    assert.ok(initiation);
    for (let i = 0; i < 50; i++) server.endpoint.handle(initiation.bytes, `udp:198.51.100.${i}:5000`, net.now);
    assert.equal(server.endpoint.sessionCount, 0);
    assert.equal(server.endpoint.stats.cookiesSent, 50);
    assert.equal(server.endpoint.stats.handshakesCompleted, 0);
  });
});

describe('SessionEndpoint: padding', () => {
  test('with buckets, transport packets come only in bucket sizes (+28), and payloads arrive intact', () => {
    const net = new Net();
    const buckets = [64, 256, 1024];
    const rng = new Prng(77);
    const server = net.add('server', 1);
    const clientKey = DH_25519.keyPairFrom(rng.bytes(32));
    const client = new SessionEndpoint({ staticKey: clientKey, random: (n) => rng.bytes(n), paddingBuckets: buckets });
    net.endpoints.set('client', client);
    net.events.set('client', []);
    const id = client.connect(server.publicKey, 'server', net.now);
    net.run();
    const payloads = [0, 1, 62, 63, 64, 200, 255, 700, 1023, 1500].map((n) => rng.bytes(n));
    for (const p of payloads) client.send(id, p, net.now);
    net.run();
    const got = net.eventsOf('server', 'message').map((e) => (e.type === 'message' ? Buffer.from(e.payload).toString('hex') : ''));
    assert.deepEqual(got, payloads.filter((p) => p.length > 0).map((p) => Buffer.from(p).toString('hex')));
    const sizes = new Set(net.wire.filter((d) => d.to === 'server').slice(1).map((d) => d.bytes.length - 28));
    for (const size of sizes) assert.ok([...buckets, 1501].includes(size), `plaintext size ${size}`);
  });

  test('an authenticated plaintext without its padding marker is dropped', async () => {
    const { pad, unpad } = await import('../../src/transport/padding.js');
    assert.deepEqual(Buffer.from(unpad(pad(Uint8Array.of(1, 2, 0), [16])) ?? []), Buffer.from([1, 2, 0]));
    assert.equal(unpad(new Uint8Array(8)), null);
    assert.equal(unpad(Uint8Array.of(5, 0x81, 0)), null);
  });
});

describe('SessionEndpoint: rekey by count', () => {
  test('after rekeyAfterMessages packets the initiator handshakes again, and messages keep flowing', () => {
    const { net, server, client, session } = pair({ rekeyAfterMessages: 5 });
    for (let i = 0; i < 20; i++) {
      client.endpoint.send(session, Buffer.from(`n${i}`), net.now);
      net.run();
    }
    assert.ok(client.endpoint.stats.handshakesCompleted >= 4, `${client.endpoint.stats.handshakesCompleted} handshakes`);
    assert.deepEqual(net.eventsOf('server', 'message').map(text), Array.from({ length: 20 }, (_, i) => `n${i}`));
    assert.equal(server.endpoint.sessionCount, 1);
  });
});
