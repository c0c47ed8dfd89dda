import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';

import { decodeXorMappedAddress, encodeSoftware, encodeXorMappedAddress } from '../../src/stun/attributes.js';
import { decodeStunMessage, encodeStunMessage, looksLikeStun, STUN_METHOD_BINDING, StunAttribute, verifyStunIntegrity, type StunMessage } from '../../src/stun/message.js';
import { Prng } from '../../src/util/prng.js';

/** RFC 5769's sample messages (test/stun/vectors/rfc5769.json says where they come from). */
const vectors = JSON.parse(readFileSync(new URL('../../../test/stun/vectors/rfc5769.json', import.meta.url), 'utf8')) as Record<string, { hex: string; password?: string; software?: string; username?: string; realm?: string; passwordAfterSaslprep?: string; mapped?: { host: string; port: number } }>;
const vector = (name: string) => {
  const v = vectors[name];
  assert.ok(v, name);
  return { ...v, bytes: new Uint8Array(Buffer.from(v.hex, 'hex')) };
};
const decoded = (bytes: Uint8Array): StunMessage => {
  const r = decodeStunMessage(bytes);
  assert.ok(r.ok, r.ok ? '' : `${r.code}: ${r.reason}`);
  return r.value;
};
const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));

describe('RFC 5769 sample messages', () => {
  test('2.1 sample request: decodes, its FINGERPRINT and MESSAGE-INTEGRITY check, and it re-encodes byte for byte', () => {
    const v = vector('sampleRequest');
    const m = decoded(v.bytes);
    assert.equal(m.method, STUN_METHOD_BINDING);
    assert.equal(m.class, 'request');
    assert.equal(Buffer.from(m.transactionId).toString('hex'), 'b7e7a701bc34d686fa87dfae');
    assert.deepEqual(m.attributes.map((a) => a.type), [StunAttribute.SOFTWARE, StunAttribute.PRIORITY, StunAttribute.ICE_CONTROLLED, StunAttribute.USERNAME, StunAttribute.MESSAGE_INTEGRITY, StunAttribute.FINGERPRINT]);
    assert.equal(Buffer.from(m.attributes[3]?.value ?? []).toString(), v.username);
    assert.ok(verifyStunIntegrity(v.bytes, utf8(v.password ?? '')));
    assert.ok(!verifyStunIntegrity(v.bytes, utf8('not the password')));
    const again = encodeStunMessage({ ...m, attributes: m.attributes.slice(0, 4) }, { integrityKey: utf8(v.password ?? ''), fingerprint: true, paddingByte: 0x20 });
    assert.equal(Buffer.from(again).toString('hex'), v.hex);
  });

  for (const name of ['sampleIPv4Response', 'sampleIPv6Response']) {
    test(`${name}: XOR-MAPPED-ADDRESS reads as the RFC says, and our encoder writes the same bytes`, () => {
      const v = vector(name);
      const m = decoded(v.bytes);
      assert.equal(m.class, 'success');
      const xma = m.attributes.find((a) => a.type === StunAttribute.XOR_MAPPED_ADDRESS);
      assert.ok(xma);
      assert.deepEqual(decodeXorMappedAddress(xma.value, m.transactionId), v.mapped);
      assert.ok(verifyStunIntegrity(v.bytes, utf8(v.password ?? '')));
      const attributes = [
        { type: StunAttribute.SOFTWARE, value: encodeSoftware(v.software ?? '') },
        { type: StunAttribute.XOR_MAPPED_ADDRESS, value: encodeXorMappedAddress(v.mapped ?? { host: '', port: 0 }, m.transactionId) },
      ];
      const again = encodeStunMessage({ method: STUN_METHOD_BINDING, class: 'success', transactionId: m.transactionId, attributes }, { integrityKey: utf8(v.password ?? ''), fingerprint: true, paddingByte: 0x20 });
      assert.equal(Buffer.from(again).toString('hex'), v.hex);
    });
  }

  test('2.4 long-term credentials: MESSAGE-INTEGRITY checks with MD5(username:realm:password)', () => {
    const v = vector('sampleLongTermRequest');
    const m = decoded(v.bytes);
    assert.deepEqual(m.attributes.map((a) => a.type), [StunAttribute.USERNAME, StunAttribute.NONCE, StunAttribute.REALM, StunAttribute.MESSAGE_INTEGRITY]);
    const key = new Uint8Array(createHash('md5').update(`${v.username}:${v.realm}:${v.passwordAfterSaslprep}`).digest());
    assert.ok(verifyStunIntegrity(v.bytes, key));
  });

  test('a changed byte breaks the FINGERPRINT; a cut message is not STUN-shaped', () => {
    const v = vector('sampleIPv4Response');
    const bad = Uint8Array.from(v.bytes);
    bad[30] = (bad[30] as number) ^ 1;
    const r = decodeStunMessage(bad);
    assert.ok(!r.ok && r.code === 'STUN_BAD_FINGERPRINT');
    const cut = decodeStunMessage(v.bytes.subarray(0, 60));
    assert.ok(!cut.ok && cut.code === 'STUN_BAD_LENGTH');
  });
});

describe('the codec', () => {
  test('decode(encode(m)) is m; with FINGERPRINT the message still decodes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xfff }),
        fc.constantFrom('request' as const, 'indication' as const, 'success' as const, 'error' as const),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.array(fc.record({ type: fc.integer({ min: 0, max: 0x7fff }).filter((t) => t !== StunAttribute.MESSAGE_INTEGRITY && t !== StunAttribute.FINGERPRINT), value: fc.uint8Array({ maxLength: 40 }) }), { maxLength: 8 }),
        fc.boolean(),
        (method, cls, transactionId, attributes, fingerprint) => {
          const m = { method, class: cls, transactionId, attributes };
          const r = decodeStunMessage(encodeStunMessage(m, { fingerprint }));
          assert.ok(r.ok);
          assert.equal(r.value.method, method);
          assert.equal(r.value.class, cls);
          assert.deepEqual([...r.value.transactionId], [...transactionId]);
          const got = fingerprint ? r.value.attributes.slice(0, -1) : r.value.attributes;
          assert.deepEqual(got.map((a) => [a.type, [...a.value]]), attributes.map((a) => [a.type, [...a.value]]));
        },
      ),
      { seed: 5389, numRuns: 300 },
    );
  });

  test('decoding is total: random and mutated bytes give a message or a coded error, never a throw', () => {
    const base = vector('sampleRequest').bytes;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(fc.tuple(fc.nat(107), fc.nat(255)), { maxLength: 6 }), (random, edits) => {
        const mutated = Uint8Array.from(base);
        for (const [i, b] of edits) mutated[i] = b;
        for (const bytes of [random, mutated]) {
          const r = decodeStunMessage(bytes);
          assert.ok(r.ok || /^STUN_/.test(r.code));
        }
      }),
      { seed: 8489, numRuns: 2000 },
    );
  });

  test('random datagrams (Parley packets look random) are almost never STUN-shaped', () => {
    const rng = new Prng(3478);
    let shaped = 0;
    for (let i = 0; i < 100_000; i++) if (looksLikeStun(rng.bytes(20 + 4 * rng.int(0, 60)))) shaped++;
    assert.equal(shaped, 0);
    assert.ok(looksLikeStun(vector('sampleRequest').bytes));
  });
});
