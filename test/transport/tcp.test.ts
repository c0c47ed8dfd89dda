import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createConnection, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import fc from 'fast-check';

import { DH_25519 } from '../../src/crypto/noise/index.js';
import { TcpDriver, tcpLabelHost } from '../../src/transport/drivers/tcp.js';
import { SessionEndpoint, type SessionEvent } from '../../src/transport/endpoint.js';
import { CHI_SQUARE_15_P0001, maxNibbleChiSquare } from '../../src/transport/chi-square.js';
import { FrameReader, FrameWriter } from '../../src/transport/tcp-framing.js';
import { Prng } from '../../src/util/prng.js';

const SERVER = fileURLToPath(new URL('./fixtures/echo-server.js', import.meta.url));

describe('TCP framing', () => {
  test('frames come back whole and in order, however the stream is cut', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 20 }), fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 10 }), (packets, cuts) => {
        const key = new Uint8Array(32).fill(7);
        const writer = new FrameWriter(key, new Uint8Array(16).fill(3));
        const stream = Buffer.concat(packets.map((p) => writer.frame(p)));
        const reader = new FrameReader(key);
        const out: Uint8Array[] = [];
        let at = 0;
        for (let i = 0; at < stream.length; i++) {
          const n = cuts[i % cuts.length] as number;
          out.push(...reader.push(stream.subarray(at, at + n)));
          at += n;
        }
        assert.deepEqual(out.map((p) => Buffer.from(p).toString('hex')), packets.map((p) => Buffer.from(p).toString('hex')));
      }),
      { seed: 443, numRuns: 200 },
    );
  });

  test('a frame sent one byte at a time comes out whole; so does an empty frame', () => {
    const key = new Uint8Array(32).fill(9);
    const writer = new FrameWriter(key, new Uint8Array(16).fill(4));
    const big = new Prng(65535).bytes(65535);
    const stream = Buffer.concat([writer.frame(big), writer.frame(new Uint8Array(0)), writer.frame(Uint8Array.of(1, 2))]);
    const reader = new FrameReader(key);
    const out: Uint8Array[] = [];
    for (const byte of stream) out.push(...reader.push(Uint8Array.of(byte)));
    assert.equal(out.length, 3);
    assert.ok(Buffer.from(out[0] as Uint8Array).equals(Buffer.from(big)));
    assert.deepEqual([...(out[1] as Uint8Array)], []);
    assert.deepEqual([...(out[2] as Uint8Array)], [1, 2]);
  });

  test('the first bytes of connections (nonce, masked length) pass the chi-square test; plain lengths fail it', () => {
    const rng = new Prng(1443);
    const key = rng.bytes(32);
    const packet = new Uint8Array(100); // every connection's first frame has the same length
    const masked: Uint8Array[] = [];
    const plain: Uint8Array[] = [];
    for (let i = 0; i < 2000; i++) {
      const nonce = rng.bytes(16);
      masked.push(new FrameWriter(key, nonce).frame(packet).subarray(0, 18));
      plain.push(Uint8Array.from([...nonce, 0, 100]));
    }
    assert.ok(maxNibbleChiSquare(masked, 18) < CHI_SQUARE_15_P0001, 'masked lengths');
    assert.ok(maxNibbleChiSquare(plain, 18) > 1000, 'plain lengths are a fingerprint');
  });
});

async function startServer(host: string): Promise<{ child: ChildProcess; port: number; publicKey: Uint8Array }> {
  const child = spawn(process.execPath, [SERVER, host, 'tcp'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [line] = (await once(lines, 'line')) as [string];
  const ready = JSON.parse(line) as { port: number; publicKey: string };
  return { child, port: ready.port, publicKey: new Uint8Array(Buffer.from(ready.publicKey, 'hex')) };
}

describe('TCP driver limits', () => {
  const listening = async (limits: { connectionsMax?: number; idleTimeoutMs?: number }): Promise<{ driver: TcpDriver; port: number }> => {
    const staticKey = DH_25519.keyPairFrom(randomBytes(32));
    const driver = new TcpDriver({ endpoint: new SessionEndpoint({ staticKey, random: (n) => new Uint8Array(randomBytes(n)) }), staticPublicKey: staticKey.publicKey, onEvent: () => {}, ...limits });
    return { driver, port: (await driver.listen('127.0.0.1', 0)).port };
  };
  const open = async (port: number): Promise<Socket> => {
    const s = createConnection({ host: '127.0.0.1', port });
    await once(s, 'connect');
    return s;
  };

  test('a connection beyond connectionsMax is closed at once and counted', async () => {
    const { driver, port } = await listening({ connectionsMax: 2 });
    const sockets = [await open(port), await open(port)];
    try {
      const third = await open(port);
      sockets.push(third);
      await once(third, 'close');
      assert.equal(driver.stats.refused, 1);
      assert.equal(sockets[0]?.destroyed, false);
      assert.equal(driver.labels.length, 2);
    } finally {
      for (const s of sockets) s.destroy();
      await driver.close();
    }
  });

  test('a connection that sends nothing is closed after the idle timeout and counted', async () => {
    const { driver, port } = await listening({ idleTimeoutMs: 50 });
    const s = await open(port);
    try {
      await once(s, 'close');
      assert.equal(driver.stats.idleClosed, 1);
      assert.equal(driver.labels.length, 0);
    } finally {
      s.destroy();
      await driver.close();
    }
  });

  test('connection labels name the peer host', () => {
    assert.equal(tcpLabelHost('tcp:127.0.0.1:5000#3'), '127.0.0.1');
    assert.equal(tcpLabelHost('tcp:[2001:db8::1]:443#12'), '2001:db8::1');
    assert.equal(tcpLabelHost('127.0.0.1:5000'), null);
  });
});

describe('TCP sessions between two processes', () => {
  test('handshake and echo over TCP; the session survives a new connection', { timeout: 60_000 }, async () => {
    const server = await startServer('127.0.0.1');
    const waiters: ((text: string) => void)[] = [];
    const onEvent = (e: SessionEvent): void => {
      if (e.type === 'message') waiters.shift()?.(Buffer.from(e.payload).toString());
    };
    const staticKey = DH_25519.keyPairFrom(randomBytes(32));
    const client = new TcpDriver({ endpoint: new SessionEndpoint({ staticKey, random: (n) => new Uint8Array(randomBytes(n)) }), staticPublicKey: staticKey.publicKey, onEvent });
    const echo = (session: number, text: string): Promise<string> =>
      new Promise((resolve) => {
        waiters.push(resolve);
        client.send(session, Buffer.from(text));
      });
    try {
      const session = await client.connect(server.publicKey, '127.0.0.1', server.port);
      assert.equal(await echo(session, 'over tcp'), 'over tcp');
      const [first] = client.labels;
      assert.ok(first);
      const again = await client.connect(server.publicKey, '127.0.0.1', server.port);
      assert.equal(again, session);
      client.drop(first);
      assert.equal(await echo(session, 'on a new connection'), 'on a new connection');
      assert.equal(client.labels.length, 1);
    } finally {
      await client.close();
      server.child.stdin?.end();
      await once(server.child, 'exit');
    }
  });
});
