import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { hpkeDeriveKeyPair, hpkeOpen, hpkeSeal, hpkeSetupRecipient, hpkeSetupSender } from '../../src/crypto/hpke.js';
import { DH_25519 } from '../../src/crypto/noise/index.js';
import { Prng } from '../../src/util/prng.js';

/** RFC 9180's vectors for this suite (the file says where they come from). */
const v = JSON.parse(readFileSync(new URL('../../../test/crypto/vectors/hpke-base-x25519-sha256-chachapoly.json', import.meta.url), 'utf8')) as Record<string, string> & { encryptions: { seq: number; pt: string; aad: string; ct: string }[] };
const h = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test("RFC 9180 A.2.1: DeriveKeyPair, enc, the key schedule's key, nonce and exporter secret, and every encryption, both ways", () => {
  const recipient = hpkeDeriveKeyPair(h(v.ikmR as string));
  assert.equal(hex(recipient.privateKey), v.skRm);
  assert.equal(hex(recipient.publicKey), v.pkRm);
  assert.equal(hex(hpkeDeriveKeyPair(h(v.ikmE as string)).publicKey), v.pkEm);
  const { enc, context } = hpkeSetupSender(recipient.publicKey, h(v.info as string), h(v.ikmE as string));
  assert.equal(hex(enc), v.enc);
  assert.equal(hex(context.secrets.key), v.key);
  assert.equal(hex(context.secrets.baseNonce), v.base_nonce);
  assert.equal(hex(context.secrets.exporterSecret), v.exporter_secret);
  const receiver = hpkeSetupRecipient(recipient, enc, h(v.info as string)) ?? assert.fail('a usable enc');
  for (const e of v.encryptions) {
    assert.equal(hex(context.seal(e.seq, h(e.aad), h(e.pt))), e.ct, `seal ${e.seq}`);
    assert.equal(hex(receiver.open(e.seq, h(e.aad), h(e.ct)) ?? new Uint8Array(0)), e.pt, `open ${e.seq}`);
  }
});

test('single-shot seal and open; a changed byte, another key, other info or aad, a short or low-order enc: null', () => {
  const rng = new Prng(91);
  const bob = DH_25519.keyPairFrom(rng.bytes(32));
  const eve = DH_25519.keyPairFrom(rng.bytes(32));
  const info = Buffer.from('parley message v1');
  const aad = Buffer.from('header');
  const sealed = hpkeSeal(bob.publicKey, info, aad, Buffer.from('hello bob'));
  assert.equal(Buffer.from(hpkeOpen(bob, info, aad, sealed) ?? []).toString(), 'hello bob');
  assert.notDeepEqual(hpkeSeal(bob.publicKey, info, aad, Buffer.from('hello bob')), sealed, 'a fresh ephemeral key each time');
  for (let i = 0; i < sealed.length; i += 7) {
    const bad = Uint8Array.from(sealed);
    bad[i] = (bad[i] as number) ^ 1;
    assert.equal(hpkeOpen(bob, info, aad, bad), null, `byte ${i} changed`);
  }
  assert.equal(hpkeOpen(eve, info, aad, sealed), null);
  assert.equal(hpkeOpen(bob, Buffer.from('other'), aad, sealed), null);
  assert.equal(hpkeOpen(bob, info, Buffer.from('other'), sealed), null);
  assert.equal(hpkeOpen(bob, info, aad, sealed.subarray(0, 40)), null);
  const lowOrder = new Uint8Array(sealed.length); // enc = the all-zero point
  assert.equal(hpkeOpen(bob, info, aad, lowOrder), null);
});
