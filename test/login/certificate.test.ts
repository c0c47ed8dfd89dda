import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { ed25519Sign, signingKeyFromSeed } from '../../src/crypto/ed25519.js';
import { type CertificateBody, CertificateBody as BodySchema, DEVICE_CERTIFICATE_VALIDITY_MS, issueCertificate, verifyCertificate } from '../../src/login/certificate.js';
import { Prng } from '../../src/util/prng.js';
import { encodeMessage } from '../../src/wire/index.js';
import { Certificate } from '../../src/login/certificate.js';

const rng = new Prng(404);
const ca = signingKeyFromSeed(rng.bytes(32));
const NOW = Date.UTC(2026, 10, 26, 12);
const body: CertificateBody = {
  kind: 'device',
  network: 'home',
  username: 'alice',
  deviceId: rng.bytes(16),
  noiseKey: rng.bytes(32),
  signingKey: rng.bytes(32),
  notBefore: NOW,
  notAfter: NOW + DEVICE_CERTIFICATE_VALIDITY_MS,
  serial: 1,
  endpoints: [],
};

describe('certificates', () => {
  test('an issued certificate verifies, and says what was signed', () => {
    const check = verifyCertificate(issueCertificate(ca, body), ca.publicKey, 'home', NOW + 1000);
    assert.ok(check.ok);
    assert.equal(check.body.username, 'alice');
    assert.deepEqual(Buffer.from(check.body.noiseKey), Buffer.from(body.noiseKey));
  });

  test('any changed byte makes it fail (malformed or bad signature)', () => {
    const cert = issueCertificate(ca, body);
    for (let i = 0; i < cert.length; i++) {
      const bad = Uint8Array.from(cert);
      bad[i] = (bad[i] as number) ^ 0x01;
      const check = verifyCertificate(bad, ca.publicKey, 'home', NOW + 1000);
      assert.equal(check.ok, false, `byte ${i}`);
    }
  });

  test('another CA, another network, too early, too late: each refused with its code', () => {
    const cert = issueCertificate(ca, body);
    const other = signingKeyFromSeed(new Uint8Array(32).fill(9));
    const code = (c: ReturnType<typeof verifyCertificate>): string => (c.ok ? 'ok' : c.code);
    assert.equal(code(verifyCertificate(cert, other.publicKey, 'home', NOW + 1)), 'CERT_BAD_SIGNATURE');
    assert.equal(code(verifyCertificate(cert, ca.publicKey, 'work', NOW + 1)), 'CERT_WRONG_NETWORK');
    assert.equal(code(verifyCertificate(cert, ca.publicKey, 'home', NOW - 1)), 'CERT_NOT_YET_VALID');
    assert.equal(code(verifyCertificate(cert, ca.publicKey, 'home', NOW + DEVICE_CERTIFICATE_VALIDITY_MS)), 'CERT_EXPIRED');
    assert.equal(code(verifyCertificate(new Uint8Array([1, 2, 3]), ca.publicKey, 'home', NOW)), 'CERT_MALFORMED');
  });

  test('signatures are domain-separated: the CA signing the bare body does not make a certificate', () => {
    const bare = ed25519Sign(ca, encodeMessage(BodySchema.toMessage(body)));
    const forged = encodeMessage(Certificate.toMessage({ body, signature: bare }));
    const check = verifyCertificate(forged, ca.publicKey, 'home', NOW + 1);
    assert.ok(!check.ok && check.code === 'CERT_BAD_SIGNATURE');
  });

  test('a certificate that ends before it starts is refused when issued', () => {
    assert.throws(() => issueCertificate(ca, { ...body, notAfter: body.notBefore }), RangeError);
  });
});
