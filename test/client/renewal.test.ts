import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { CertificateRenewer } from '../../src/client/renewal.js';
import { verifyCertificate } from '../../src/login/certificate.js';
import { LoginClient } from '../../src/login/client.js';
import { initNetwork } from '../../src/login/network-init.js';
import { deviceIdentity } from '../../src/login/profile.js';
import { startLoginServer } from '../../src/login/server.js';
import { SqliteLoginStore } from '../../src/login/store/sqlite-store.js';
import { freePort } from '../../src/util/free-port.js';
import { eventually } from '../supernode/processes.js';

const root = mkdtempSync(join(tmpdir(), 'parley-renew-'));
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
  rmSync(root, { recursive: true, force: true });
});

test('a running device renews its certificate at half its life without the password, saves it in the profile, and hands it on; a renewal that cannot reach the login server is reported and retried', { timeout: 60_000 }, async () => {
  const port = await freePort();
  const { network, directory } = initNetwork(join(root, 'net'), 'renew', [`udp:127.0.0.1:${port}`]);
  const store = new SqliteLoginStore(join(directory, 'login.db'));
  const server = await startLoginServer({ directory, host: '127.0.0.1', port, tcpPort: null, store, limits: { certificateValidityMs: 4_000 } });
  cleanups.push(() => server.close());
  const profile = join(root, 'dana');
  const keys = deviceIdentity(profile);
  const client = await LoginClient.connect(new Uint8Array(Buffer.from(network.loginServers[0]?.staticKey ?? '', 'hex')), [{ transport: 'udp', host: '127.0.0.1', port }]);
  await client.register('dana', 'dana pw');
  const first = await client.login('dana', 'dana pw', { deviceId: keys.deviceId, noiseKey: keys.noise.publicKey, signingKey: keys.signing.publicKey });
  await client.close();

  const ca = new Uint8Array(Buffer.from(network.ca.publicKey, 'hex'));
  const validity = (c: Uint8Array) => {
    const v = verifyCertificate(c, ca, network.name, Date.now());
    assert.ok(v.ok, v.ok ? '' : v.reason);
    return v.body;
  };
  const renewed: Uint8Array[] = [];
  const renewer = new CertificateRenewer({ network, profileDir: profile, signingKey: keys.signing, certificate: first, onRenewed: (c) => renewed.push(c) });
  cleanups.push(() => renewer.stop());
  await eventually(() => Promise.resolve(renewed.length >= 1), 10_000, 'renewed at half its life');
  const next = renewed[0] as Uint8Array;
  assert.ok(validity(next).notAfter > validity(first).notAfter);
  assert.deepEqual(validity(next).noiseKey, keys.noise.publicKey, 'the same device keys');
  assert.deepEqual(new Uint8Array(readFileSync(join(profile, 'device.cert'))), renewed.at(-1), 'saved in the profile');
  await eventually(() => Promise.resolve(renewed.length >= 2), 10_000, 'and again at half the new one');
  renewer.stop();

  // No login server to ask: the failure is reported (and tried again later), nothing is saved.
  const errors: unknown[] = [];
  const elsewhere = { ...network, loginServers: [{ staticKey: network.loginServers[0]?.staticKey ?? '', endpoints: [`udp:127.0.0.1:${await freePort()}`] }] };
  const lonely = new CertificateRenewer({ network: elsewhere, profileDir: join(root, 'other'), signingKey: keys.signing, certificate: renewed.at(-1) as Uint8Array, onRenewed: () => assert.fail('renewed without a server'), onError: (e) => errors.push(e) });
  cleanups.push(() => lonely.stop());
  assert.equal(await lonely.renewNow(), null);
  assert.equal(errors.length, 1);
});
