import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { signingKeyFromSeed } from '../../src/crypto/ed25519.js';
import { issueCertificate } from '../../src/login/certificate.js';
import { CA_KEY_FILE, readSecretKey } from '../../src/login/key-files.js';
import { DirectoryClient } from '../../src/overlay/directory/client.js';
import { signUserRecord } from '../../src/overlay/user-record.js';
import { Prng } from '../../src/util/prng.js';
import { eventually, health, makeSupernodes, start, stop, type Node } from './processes.js';

/** Whether this machine has IPv6 loopback (containers without it skip, saying so). */
const hasIpv6 = await new Promise<boolean>((resolve) => {
  const s = createSocket('udp6');
  s.once('error', () => resolve(false));
  s.bind(0, '::1', () => {
    s.close();
    resolve(true);
  });
});

const root = mkdtempSync(join(tmpdir(), 'parley-ipv6-'));
const nodes: Node[] = [];
const clients: DirectoryClient[] = [];
after(async () => {
  for (const c of clients) await c.close();
  for (const n of nodes) await stop(n, 'SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

test('three supernodes on IPv6 (::1) form one membership; a record published through one is found through another', { skip: hasIpv6 ? false : 'no IPv6 loopback (::1) on this machine', timeout: 120_000 }, async () => {
  const made = await makeSupernodes(root, 'six', 3, '::1');
  nodes.push(...made.nodes);
  for (const [i, n] of nodes.entries()) await start(made.net, n, i === 0 ? null : (nodes[0] as Node));
  await eventually(async () => (await Promise.all(nodes.map(health))).every((h) => h.members === 3), 30_000, 'three members over IPv6');

  const network = JSON.parse(readFileSync(join(made.net, 'network.json'), 'utf8')) as { name: string; ca: { publicKey: string } };
  const ca = signingKeyFromSeed(readSecretKey(join(made.net, CA_KEY_FILE), 'parley-ca-key'));
  const rng = new Prng(606);
  const device = signingKeyFromSeed(rng.bytes(32));
  const deviceId = rng.bytes(16);
  const now = Date.now();
  const certificate = issueCertificate(ca, { kind: 'device', network: network.name, username: 'Vera', deviceId, noiseKey: rng.bytes(32), signingKey: device.publicKey, notBefore: now - 1000, notAfter: now + 3_600_000, serial: 1, endpoints: [] });
  const record = signUserRecord(device, { network: network.name, accountKey: 'vera', deviceId, certificate, presence: 'online', supernodes: [], candidates: ['udp:[2001:db8::7]:5000'], seq: 1, issuedAt: now, ttlMs: 600_000 });
  const trust = { caPublicKey: new Uint8Array(Buffer.from(network.ca.publicKey, 'hex')), network: network.name };
  const via = async (n: Node): Promise<DirectoryClient> => {
    const c = await DirectoryClient.connect(Buffer.from(n.id, 'hex'), [{ transport: 'udp', host: '::1', port: n.port }], trust);
    clients.push(c);
    return c;
  };
  assert.equal((await (await via(nodes[0] as Node)).publish(record)).stored, 3);
  const found = await (await via(nodes[2] as Node)).lookup('vera');
  assert.deepEqual(found[0]?.body.candidates, ['udp:[2001:db8::7]:5000']);
});
