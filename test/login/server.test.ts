import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

describe('the login server over secure sessions (UDP on 127.0.0.1)', () => {
  test('register and login through a real session: a certificate that verifies against network.json', { timeout: 60_000 }, async () => {
    const dir = join(root, 'net');
    const { network } = initNetwork(dir, 'loopback');
    const server = await startLoginServer({ directory: dir, host: '127.0.0.1', port: 0, store: new SqliteLoginStore(join(dir, 'login.db')) });
    assert.equal(statSync(join(dir, OPAQUE_SETUP_FILE)).mode & 0o777, 0o600);
    const serverKey = new Uint8Array(Buffer.from(network.loginServers[0]?.staticKey ?? '', 'hex'));
    const client = await LoginClient.connect(serverKey, '127.0.0.1', server.port);
    try {
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
});
