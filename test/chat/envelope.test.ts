import assert from 'node:assert/strict';
import { test } from 'node:test';

import { openEnvelope, sealEnvelope, ENVELOPE_RECIPIENTS_MAX, type EnvelopeReader } from '../../src/chat/envelope.js';
import { signingKeyFromSeed } from '../../src/crypto/ed25519.js';
import { DH_25519, type KeyPair } from '../../src/crypto/noise/index.js';
import { issueCertificate } from '../../src/login/certificate.js';
import { Prng } from '../../src/util/prng.js';

const NETWORK = 'envelopes';
const rng = new Prng(3003);
const ca = signingKeyFromSeed(rng.bytes(32));
const NOW = 1_800_000_000_000;

interface Device {
  username: string;
  deviceId: Uint8Array;
  noise: KeyPair;
  signing: ReturnType<typeof signingKeyFromSeed>;
  certificate: Uint8Array;
}
function device(username: string, notAfter = NOW + 86_400_000, issuer = ca): Device {
  const deviceId = rng.bytes(16);
  const noise = DH_25519.keyPairFrom(rng.bytes(32));
  const signing = signingKeyFromSeed(rng.bytes(32));
  const certificate = issueCertificate(issuer, { kind: 'device', network: NETWORK, username, deviceId, noiseKey: noise.publicKey, signingKey: signing.publicKey, notBefore: NOW - 86_400_000, notAfter, serial: 1, endpoints: [] });
  return { username, deviceId, noise, signing, certificate };
}
const reader = (d: Device): EnvelopeReader => ({ caPublicKey: ca.publicKey, network: NETWORK, deviceId: d.deviceId, noiseKey: d.noise });
const to = (...ds: Device[]) => ds.map((d) => ({ deviceId: d.deviceId, noiseKey: d.noise.publicKey }));
const from = (d: Device) => ({ network: NETWORK, certificate: d.certificate, signingKey: d.signing });
const random = (n: number): Uint8Array => rng.bytes(n);

const alice = device('Alice');
const alicePhone = device('Alice');
const bob = device('bob');
const bobLaptop = device('bob');
const eve = device('eve');

test("sealed once to bob's two devices and alice's other device: each opens it and learns who sent it; a device not named cannot", () => {
  const id = rng.bytes(16);
  const sealed = sealEnvelope(from(alice), id, NOW, to(bob, bobLaptop, alicePhone), Buffer.from('dinner at eight?'), random);
  for (const d of [bob, bobLaptop, alicePhone]) {
    const r = openEnvelope(sealed, reader(d), NOW + 1000);
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.equal(Buffer.from(r.envelope.content).toString(), 'dinner at eight?');
    assert.deepEqual([r.envelope.senderAccount, r.envelope.senderUsername, r.envelope.sentAt], ['alice', 'Alice', NOW]);
    assert.deepEqual(r.envelope.senderDevice, alice.deviceId);
    assert.deepEqual(r.envelope.id, id);
  }
  const notMine = openEnvelope(sealed, reader(eve), NOW);
  assert.equal(notMine.ok ? 'ok' : notMine.code, 'ENVELOPE_NOT_FOR_ME');
  assert.equal(Buffer.from(sealed).indexOf('dinner'), -1, 'no plaintext in the bytes');
});

test('every changed byte is refused (a relay can neither alter nor re-address a message), and so is every random byte string', () => {
  const sealed = sealEnvelope(from(alice), rng.bytes(16), NOW, to(bob), Buffer.from('the door code is 4711'), random);
  const codes = new Set<string>();
  for (let i = 0; i < sealed.length; i++) {
    const bad = Uint8Array.from(sealed);
    bad[i] = (bad[i] as number) ^ (1 << (i % 8));
    const r = openEnvelope(bad, reader(bob), NOW);
    assert.equal(r.ok, false, `byte ${i} changed and still opened`);
    if (!r.ok) codes.add(r.code);
  }
  assert.ok(codes.has('ENVELOPE_MALFORMED') && codes.has('ENVELOPE_BAD_SIGNATURE'), [...codes].join());
  for (let k = 0; k < 2000; k++) {
    const r = openEnvelope(rng.bytes(rng.below(400)), reader(bob), NOW);
    assert.equal(r.ok, false);
  }
});

test("a certificate from another CA, a time ahead of the reader's clock, or a key sealed for another device: refused with a code", () => {
  const stranger = device('Alice', NOW + 86_400_000, signingKeyFromSeed(rng.bytes(32)));
  const forged = openEnvelope(sealEnvelope(from(stranger), rng.bytes(16), NOW, to(bob), Buffer.from('hi'), random), reader(bob), NOW);
  assert.equal(forged.ok ? 'ok' : forged.code, 'ENVELOPE_BAD_CERTIFICATE');
  const future = openEnvelope(sealEnvelope(from(alice), rng.bytes(16), NOW + 3_600_000, to(bob), Buffer.from('hi'), random), reader(bob), NOW);
  assert.equal(future.ok ? 'ok' : future.code, 'ENVELOPE_FROM_FUTURE');
  // Sealed to bob's device id but with eve's key: bob cannot open the key.
  const misSealed = openEnvelope(sealEnvelope(from(alice), rng.bytes(16), NOW, [{ deviceId: bob.deviceId, noiseKey: eve.noise.publicKey }], Buffer.from('hi'), random), reader(bob), NOW);
  assert.equal(misSealed.ok ? 'ok' : misSealed.code, 'ENVELOPE_UNREADABLE');
});

test("read weeks later from the offline store, after the sender's certificate expired: it checks at the time it was sent", () => {
  const shortLived = device('carol', NOW + 3_600_000);
  const sealed = sealEnvelope(from(shortLived), rng.bytes(16), NOW, to(bob), Buffer.from('while you were away'), random);
  const r = openEnvelope(sealed, reader(bob), NOW + 20 * 86_400_000);
  assert.ok(r.ok);
  const backdated = openEnvelope(sealEnvelope(from(shortLived), rng.bytes(16), NOW + 2 * 3_600_000, to(bob), Buffer.from('x'), random), reader(bob), NOW + 3 * 3_600_000);
  assert.equal(backdated.ok ? 'ok' : backdated.code, 'ENVELOPE_BAD_CERTIFICATE', 'sent after the certificate ended');
});

test('sealing refuses no recipients, too many, a bad id, or too much content', () => {
  assert.throws(() => sealEnvelope(from(alice), rng.bytes(16), NOW, [], Buffer.from('x'), random), /1 to 32/);
  const many = Array.from({ length: ENVELOPE_RECIPIENTS_MAX + 1 }, () => ({ deviceId: rng.bytes(16), noiseKey: bob.noise.publicKey }));
  assert.throws(() => sealEnvelope(from(alice), rng.bytes(16), NOW, many, Buffer.from('x'), random), /1 to 32/);
  assert.throws(() => sealEnvelope(from(alice), rng.bytes(15), NOW, to(bob), Buffer.from('x'), random), /16 bytes/);
  assert.throws(() => sealEnvelope(from(alice), rng.bytes(16), NOW, to(bob), new Uint8Array(49 * 1024), random), /at most/);
});
