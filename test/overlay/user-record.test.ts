import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { signingKeyFromSeed } from '../../src/crypto/ed25519.js';
import { issueCertificate } from '../../src/login/certificate.js';
import { signUserRecord, supersedes, verifyUserRecord, type UserRecordBody, type UserRecordContext, type VerifiedUserRecord } from '../../src/overlay/user-record.js';
import { Prng } from '../../src/util/prng.js';

const rng = new Prng(201);
const ca = signingKeyFromSeed(rng.bytes(32));
const device = signingKeyFromSeed(rng.bytes(32));
const deviceId = rng.bytes(16);
const now = 1_800_000_000_000;
const certificateFor = (username: string, id: Uint8Array, signer = ca, signingKey = device.publicKey): Uint8Array =>
  issueCertificate(signer, { kind: 'device', network: 'home', username, deviceId: id, noiseKey: rng.bytes(32), signingKey, notBefore: now - 1000, notAfter: now + 86_400_000, serial: 1, endpoints: [] });
const certificate = certificateFor('Alice', deviceId);
const body = (over: Partial<UserRecordBody> = {}): UserRecordBody => ({
  network: 'home',
  accountKey: 'alice',
  deviceId,
  certificate,
  presence: 'online',
  mood: 'hello',
  supernodes: [rng.bytes(32), rng.bytes(32)],
  candidates: ['udp:192.0.2.10:4000', 'udp:[2001:db8::10]:4000'],
  seq: 5,
  issuedAt: now,
  ttlMs: 600_000,
  ...over,
});
const ctx: UserRecordContext = { caPublicKey: ca.publicKey, network: 'home', now };
const check = (bytes: Uint8Array, c = ctx) => verifyUserRecord(bytes, c);
const codeOf = (bytes: Uint8Array, c = ctx): string => {
  const r = check(bytes, c);
  return r.ok ? 'ok' : r.code;
};

describe('directory records', () => {
  test('a record signed by the device verifies, and says what was signed', () => {
    const r = check(signUserRecord(device, body()));
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.equal(r.record.username, 'Alice');
    assert.equal(r.record.body.presence, 'online');
    assert.equal(r.record.expiresAt, now + 600_000);
    assert.deepEqual(r.record.body.candidates, ['udp:192.0.2.10:4000', 'udp:[2001:db8::10]:4000']);
  });

  test('a supernode cannot alter or forge one: every changed byte, another key, another CA, another owner are refused', () => {
    const good = signUserRecord(device, body());
    let accepted = 0;
    for (let i = 0; i < good.length; i++) {
      const bad = Uint8Array.from(good);
      bad[i] = (bad[i] as number) ^ 0x01;
      if (check(bad).ok) accepted++;
    }
    assert.equal(accepted, 0, 'no single-bit change is accepted');
    const supernodeKey = signingKeyFromSeed(rng.bytes(32));
    assert.equal(codeOf(signUserRecord(supernodeKey, body({ presence: 'offline' }))), 'RECORD_BAD_SIGNATURE');
    const otherCa = signingKeyFromSeed(rng.bytes(32));
    assert.equal(codeOf(signUserRecord(device, body({ certificate: certificateFor('Alice', deviceId, otherCa) }))), 'RECORD_BAD_CERTIFICATE');
    assert.equal(codeOf(signUserRecord(device, body({ accountKey: 'bob' }))), 'RECORD_WRONG_OWNER', "Alice's certificate filed under bob");
    assert.equal(codeOf(signUserRecord(device, body({ deviceId: rng.bytes(16) }))), 'RECORD_WRONG_OWNER');
    assert.equal(codeOf(signUserRecord(device, body({ network: 'other' }))), 'RECORD_WRONG_OWNER');
  });

  test('time: expired, from the future, an expired certificate; and revocation', () => {
    assert.equal(codeOf(signUserRecord(device, body({ issuedAt: now - 600_000 }))), 'RECORD_EXPIRED');
    assert.equal(codeOf(signUserRecord(device, body({ issuedAt: now + 10 * 60_000 }))), 'RECORD_FROM_FUTURE');
    assert.equal(codeOf(signUserRecord(device, body()), { ...ctx, now: now + 2 * 86_400_000 }), 'RECORD_BAD_CERTIFICATE');
    assert.equal(codeOf(signUserRecord(device, body()), { ...ctx, isRevoked: (a, d) => a === 'alice' && Buffer.from(d).equals(deviceId) }), 'RECORD_REVOKED');
    assert.throws(() => signUserRecord(device, body({ ttlMs: 2 * 60 * 60 * 1000 })), RangeError);
  });

  test('no rollback: only a higher sequence number replaces a stored record', () => {
    const at = (seq: number): VerifiedUserRecord => {
      const r = check(signUserRecord(device, body({ seq })));
      assert.ok(r.ok);
      return r.record;
    };
    assert.ok(supersedes(at(6), at(5)));
    assert.ok(!supersedes(at(4), at(5)));
    assert.ok(!supersedes(at(5), at(5)));
    assert.ok(supersedes(at(1), null));
  });

  test('malformed bytes are refused with a code, never a throw', () => {
    for (const bytes of [new Uint8Array(0), rng.bytes(100), new Uint8Array(9000)]) assert.equal(codeOf(bytes), 'RECORD_MALFORMED');
  });
});
