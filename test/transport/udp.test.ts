import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';

import { DH_25519 } from '../../src/crypto/noise/index.js';
import { SessionEndpoint, type SessionEvent } from '../../src/transport/endpoint.js';
import { UdpDriver } from '../../src/transport/drivers/udp.js';
import { Prng } from '../../src/util/prng.js';

const SERVER = fileURLToPath(new URL('./fixtures/echo-server.js', import.meta.url));

/** Whether this machine can bind UDP on ::1. */
async function ipv6Loopback(): Promise<boolean> {
  const s = createSocket('udp6');
  try {
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(0, '::1', () => resolve());
    });
    return true;
  } catch {
    return false;
  } finally {
    s.close();
  }
}

/** Starts the responder process; resolves with its port and public key. */
async function startServer(host: string): Promise<{ child: ChildProcess; port: number; publicKey: Uint8Array }> {
  const child = spawn(process.execPath, [SERVER, host], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [line] = (await once(lines, 'line')) as [string];
  const ready = JSON.parse(line) as { port: number; publicKey: string };
  return { child, port: ready.port, publicKey: new Uint8Array(Buffer.from(ready.publicKey, 'hex')) };
}

/** A client driver whose events can be awaited one message at a time. */
async function startClient(host: string) {
  const queue: SessionEvent[] = [];
  const waiters: ((e: SessionEvent) => void)[] = [];
  const sent: Uint8Array[] = [];
  const endpoint = new SessionEndpoint({ staticKey: DH_25519.keyPairFrom(randomBytes(32)), random: (n) => new Uint8Array(randomBytes(n)) });
  const driver = await UdpDriver.open({
    endpoint,
    host,
    onEvent: (e) => {
      if (e.type !== 'message') return;
      const w = waiters.shift();
      if (w) w(e);
      else queue.push(e);
    },
    onSend: (bytes) => sent.push(bytes),
  });
  const nextMessage = (): Promise<string> =>
    new Promise((resolve) => {
      const take = (e: SessionEvent): void => resolve(e.type === 'message' ? Buffer.from(e.payload).toString() : '');
      const e = queue.shift();
      if (e) take(e);
      else waiters.push(take);
    });
  return { driver, endpoint, nextMessage, sent };
}

for (const host of ['127.0.0.1', '::1']) {
  describe(`UDP sessions between two processes on ${host}`, async () => {
    const skip = host === '::1' && !(await ipv6Loopback()) ? 'no IPv6 loopback on this machine' : false;

    test('handshake, echo, roaming to a new local port, replay and 100,000 hostile datagrams', { skip, timeout: 120_000 }, async () => {
      const server = await startServer(host);
      const client = await startClient(host);
      try {
        const session = client.driver.connect(server.publicKey, host, server.port);
        client.driver.send(session, Buffer.from('hello'));
        assert.equal(await client.nextMessage(), 'hello');

        // The initiator moves to a new local port mid-session; the session follows it.
        const before = client.driver.local.port;
        await client.driver.rebind();
        assert.notEqual(client.driver.local.port, before);
        client.driver.send(session, Buffer.from('from a new port'));
        assert.equal(await client.nextMessage(), 'from a new port');

        // A replayed packet (one the client really sent) from another socket is rejected.
        const stats0 = JSON.parse(await (client.driver.send(session, Buffer.from('stats')), client.nextMessage())) as { dropped: number; cookiesSent: number };
        const attacker = createSocket(host.includes(':') ? 'udp6' : 'udp4');
        let replies = 0;
        attacker.on('message', () => replies++);
        await new Promise<void>((resolve) => attacker.bind(0, host, () => resolve()));
        const send = (bytes: Uint8Array): Promise<void> => new Promise((resolve, reject) => attacker.send(bytes, server.port, host, (e) => (e ? reject(e) : resolve())));
        const captured = client.sent.at(-1);
        assert.ok(captured);
        await send(captured);

        // 100,000 random and mutated datagrams, in batches; each batch is followed by a round trip
        // on the session, so the server has read the batch before the next one (no receive-buffer overflow).
        const rng = new Prng(20261126);
        const real = client.sent.slice();
        const BATCH = 100;
        for (let sentCount = 0; sentCount < 100_000; sentCount += BATCH) {
          for (let i = 0; i < BATCH; i++) {
            let d: Uint8Array;
            if (i % 2 === 0) d = rng.bytes(rng.int(1, 300));
            else {
              d = Uint8Array.from(rng.pick(real));
              const bits = new Set<number>();
              for (let f = rng.int(1, 4); bits.size < f; ) bits.add(rng.int(0, d.length * 8 - 1));
              for (const bit of bits) d[bit >>> 3] = (d[bit >>> 3] as number) ^ (1 << (bit & 7));
            }
            await send(d);
          }
          client.driver.send(session, Buffer.from('ping'));
          assert.equal(await client.nextMessage(), 'ping');
        }
        client.driver.send(session, Buffer.from('stats'));
        const stats1 = JSON.parse(await client.nextMessage()) as { dropped: number; cookiesSent: number };
        // Mutated initiations whose flips all fell in mac2 keep a valid mac1; under load (they are
        // load) each earns a 65-byte cookie reply (docs/transport.md). Everything else is dropped.
        const cookies = stats1.cookiesSent - stats0.cookiesSent;
        assert.equal(stats1.dropped - stats0.dropped + cookies, 100_001, 'the replay and every hostile datagram dropped or answered with a cookie');
        assert.ok(cookies < 1_000, `${cookies} cookies`);
        if (replies < cookies) await new Promise<void>((resolve) => attacker.on('message', () => replies >= cookies && resolve()));
        assert.equal(replies, cookies, 'no reply to the attacker but cookies');
        attacker.close();
      } finally {
        await client.driver.close();
        server.child.stdin?.end();
        await once(server.child, 'exit');
      }
    });
  });
}

describe('UDP dual-stack', () => {
  test('a responder bound to :: serves an IPv4 client (IPv4-mapped addresses)', { timeout: 30_000 }, async (t) => {
    if (!(await ipv6Loopback())) {
      t.skip('no IPv6 on this machine');
      return;
    }
    const server = await startServer('::');
    const client = await startClient('127.0.0.1');
    try {
      const session = client.driver.connect(server.publicKey, '127.0.0.1', server.port);
      client.driver.send(session, Buffer.from('v4 to a dual-stack socket'));
      assert.equal(await client.nextMessage(), 'v4 to a dual-stack socket');
    } finally {
      await client.driver.close();
      server.child.stdin?.end();
      await once(server.child, 'exit');
    }
  });
});
