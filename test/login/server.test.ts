import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import { verifyCertificate } from '../../src/login/certificate.js';
import { LoginClient, LoginClientError } from '../../src/login/client.js';
import { initNetwork } from '../../src/login/network-init.js';
import { OPAQUE_SETUP_FILE, startLoginServer } from '../../src/login/server.js';
import { SqliteLoginStore } from '../../src/login/store/sqlite-store.js';
import { Prng } from '../../src/util/prng.js';

const root = mkdtempSync(join(tmpdir(), 'parley-login-server-'));
after(() => rmSync(root, { recursive: true, force: true }));
const rng = new Prng(21);

describe('the login server over secure sessions (UDP and TCP on 127.0.0.1)', () => {
  test('register and login through a real session: a certificate that verifies against network.json', { timeout: 60_000 }, async () => {
    const dir = join(root, 'net');
    const { network } = initNetwork(dir, 'loopback');
    const server = await startLoginServer({ directory: dir, host: '127.0.0.1', port: 0, store: new SqliteLoginStore(join(dir, 'login.db')) });
    assert.equal(statSync(join(dir, OPAQUE_SETUP_FILE)).mode & 0o777, 0o600);
    const serverKey = new Uint8Array(Buffer.from(network.loginServers[0]?.staticKey ?? '', 'hex'));
    assert.equal(server.tcpPort, server.port, 'TCP on the UDP port number');
    const client = await LoginClient.connect(serverKey, [{ transport: 'udp', host: '127.0.0.1', port: server.port }]);
    try {
      assert.equal(client.via.transport, 'udp');
      assert.equal(await client.register('Hana', 'hana pass phrase'), 'Hana');
      const keys = { deviceId: rng.bytes(16), noiseKey: rng.bytes(32), signingKey: rng.bytes(32) };
      const cert = await client.login('hana', 'hana pass phrase', keys);
      const check = verifyCertificate(cert, new Uint8Array(Buffer.from(network.ca.publicKey, 'hex')), network.name, Date.now());
      assert.ok(check.ok && check.body.username === 'Hana');
      await assert.rejects(client.login('hana', 'not the pass phrase', keys), (e: unknown) => e instanceof LoginClientError && e.code === 'LOGIN_FAILED');
      await assert.rejects(client.register('HANA', 'x'), (e: unknown) => e instanceof LoginClientError && e.code === 'USERNAME_TAKEN');
    } finally {
      await client.close();
      await server.close();
    }
  });

  test('where UDP gets no answer the client falls back to TCP, and register and login work over it', { timeout: 60_000 }, async () => {
    const dir = join(root, 'net-tcp');
    const { network } = initNetwork(dir, 'fallback');
    const server = await startLoginServer({ directory: dir, host: '127.0.0.1', port: 0, store: new SqliteLoginStore(join(dir, 'login.db')) });
    // A UDP port that swallows everything: UDP "blocked" between client and server.
    const sink = createSocket('udp4');
    let swallowed = 0;
    sink.on('message', () => swallowed++);
    sink.bind(0, '127.0.0.1');
    await once(sink, 'listening');
    const serverKey = new Uint8Array(Buffer.from(network.loginServers[0]?.staticKey ?? '', 'hex'));
    const client = await LoginClient.connect(
      serverKey,
      [
        { transport: 'tcp', host: '127.0.0.1', port: server.tcpPort ?? 0 },
        { transport: 'udp', host: '127.0.0.1', port: sink.address().port },
      ],
      { udpWaitMs: 300 },
    );
    try {
      assert.equal(client.via.transport, 'tcp');
      assert.ok(swallowed >= 1, 'UDP was tried first');
      assert.equal(await client.register('Ines', 'ines pass phrase'), 'Ines');
      const cert = await client.login('ines', 'ines pass phrase', { deviceId: rng.bytes(16), noiseKey: rng.bytes(32), signingKey: rng.bytes(32) });
      assert.ok(verifyCertificate(cert, new Uint8Array(Buffer.from(network.ca.publicKey, 'hex')), network.name, Date.now()).ok);
      assert.equal((await client.devices()).length, 1);
    } finally {
      await client.close();
      sink.close();
      await server.close();
    }
  });

  test('with no endpoint answering, connect fails with UNREACHABLE naming each endpoint and why', { timeout: 60_000 }, async () => {
    const sink = createSocket('udp4');
    sink.bind(0, '127.0.0.1');
    await once(sink, 'listening');
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const tcpPort = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    try {
      await assert.rejects(
        LoginClient.connect(rng.bytes(32), [
          { transport: 'udp', host: '127.0.0.1', port: sink.address().port },
          { transport: 'tcp', host: '127.0.0.1', port: tcpPort },
        ], { udpWaitMs: 200 }),
        (e: unknown) => e instanceof LoginClientError && e.code === 'UNREACHABLE' && /udp:127\.0\.0\.1:\d+: no handshake in 0\.2 s; tcp:127\.0\.0\.1:\d+: .*ECONNREFUSED/.test(e.message),
      );
    } finally {
      sink.close();
    }
  });
});
