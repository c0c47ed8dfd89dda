import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import { signingKeyFromSeed } from '../../src/crypto/ed25519.js';
import { DEVICE_CERTIFICATE_VALIDITY_MS, issueCertificate } from '../../src/login/certificate.js';
import { readSecretKey } from '../../src/login/key-files.js';
import { readNetworkFile } from '../../src/login/network-file.js';
import { runParley } from './parley-process.js';

const root = mkdtempSync(join(tmpdir(), 'parley-network-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('parley network init', () => {
  test('creates the CA and login-server keys (0600, never printed) and a valid network.json', async () => {
    const dir = join(root, 'home');
    const run = await runParley(['network', 'init', dir, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout) as { name: string; caPublicKey: string; networkFile: string };
    assert.equal(out.name, 'home');
    const network = readNetworkFile(JSON.parse(readFileSync(join(dir, 'network.json'), 'utf8')));
    assert.equal(network.ca.publicKey, out.caPublicKey);
    for (const f of ['ca.key', 'login-server.key']) {
      assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, f);
      const secret = Buffer.from(readSecretKey(join(dir, f), f === 'ca.key' ? 'parley-ca-key' : 'parley-noise-static')).toString('hex');
      assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret), `${f} printed`);
    }
  });

  test('an existing network is never overwritten (exit 1); a bad name is bad usage (exit 2)', async () => {
    const dir = join(root, 'twice');
    assert.equal((await runParley(['network', 'init', dir])).code, 0);
    const before = readFileSync(join(dir, 'ca.key'), 'utf8');
    const again = await runParley(['network', 'init', dir]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /NETWORK_EXISTS/);
    assert.equal(readFileSync(join(dir, 'ca.key'), 'utf8'), before);
    const bad = await runParley(['network', 'init', join(root, 'x'), '--name', 'no spaces']);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
  });
});

describe('parley cert verify', () => {
  test('a certificate from the network CA verifies; a tampered one fails with exit 1', async () => {
    const dir = join(root, 'certs');
    assert.equal((await runParley(['network', 'init', dir, '--name', 'certs'])).code, 0);
    const ca = signingKeyFromSeed(readSecretKey(join(dir, 'ca.key'), 'parley-ca-key'));
    const now = Date.now();
    const cert = issueCertificate(ca, {
      kind: 'device',
      network: 'certs',
      username: 'bob',
      deviceId: new Uint8Array(16).fill(1),
      noiseKey: new Uint8Array(32).fill(2),
      signingKey: new Uint8Array(32).fill(3),
      notBefore: now - 1000,
      notAfter: now + DEVICE_CERTIFICATE_VALIDITY_MS,
      serial: 7,
      endpoints: [],
    });
    const good = join(dir, 'bob.cert');
    writeFileSync(good, cert);
    const ok = await runParley(['cert', 'verify', good, '--network', join(dir, 'network.json'), '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    const report = JSON.parse(ok.stdout) as { valid: boolean; certificate: { username: string; serial: number } };
    assert.equal(report.valid, true);
    assert.equal(report.certificate.username, 'bob');
    const tampered = Uint8Array.from(cert);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1;
    const badPath = join(dir, 'bob-tampered.cert');
    writeFileSync(badPath, tampered);
    const bad = await runParley(['cert', 'verify', badPath, '--network', join(dir, 'network.json')]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^parley: CERT_BAD_SIGNATURE/);
    const missing = await runParley(['cert', 'verify', join(dir, 'none.cert'), '--network', join(dir, 'network.json')]);
    assert.equal(missing.code, 2);
  });
});

describe('parley network issue-supernode', () => {
  test('issues a supernode certificate that verifies; bad requests are bad usage; nothing is overwritten', async () => {
    const dir = join(root, 'sn');
    assert.equal((await runParley(['network', 'init', dir, '--name', 'sn'])).code, 0);
    const out = join(dir, 'sn1.cert');
    const key = 'ab'.repeat(32);
    const issued = await runParley(['network', 'issue-supernode', '--network', dir, '--noise-key', key, '--endpoint', 'udp:203.0.113.7:33033', '--endpoint', 'tcp:203.0.113.7:443', '--out', out]);
    assert.equal(issued.code, 0, issued.stderr);
    const check = await runParley(['cert', 'verify', out, '--network', join(dir, 'network.json'), '--json']);
    assert.equal(check.code, 0, check.stderr);
    const r = JSON.parse(check.stdout) as { valid: boolean; certificate: { kind: string; noiseKey: string; endpoints: string[] } };
    assert.deepEqual([r.valid, r.certificate.kind, r.certificate.noiseKey, r.certificate.endpoints], [true, 'supernode', key, ['udp:203.0.113.7:33033', 'tcp:203.0.113.7:443']]);
    const again = await runParley(['network', 'issue-supernode', '--network', dir, '--noise-key', key, '--endpoint', 'udp:203.0.113.7:33033', '--out', out]);
    assert.equal(again.code, 1);
    const badEndpoint = await runParley(['network', 'issue-supernode', '--network', dir, '--noise-key', key, '--endpoint', 'http://x', '--out', join(dir, 'x.cert')]);
    assert.equal(badEndpoint.code, 2);
    assert.equal(badEndpoint.stderr.trim().split('\n').length, 1);
  });
});
