import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';

import { CipherState, CIPHER_CHACHAPOLY } from '../../src/crypto/noise/index.js';
import { CHI_SQUARE_15_P0001, maxNibbleChiSquare } from '../../src/transport/chi-square.js';
import {
  HeaderMask,
  obfuscationKey,
  openTransport,
  PACKET_KIND,
  readTransportHeader,
  sealTransport,
  TRANSPORT_OVERHEAD_BYTES,
  unwrapHandshake,
  wrapHandshake,
} from '../../src/transport/packet.js';
import { Prng } from '../../src/util/prng.js';

/** Deterministic bytes for reproducible tests (keys here are test material, never used elsewhere). */
const bytes = (seed: string, n: number): Uint8Array => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 32) out.set(createHash('sha256').update(`${seed}/${i}`).digest().subarray(0, Math.min(32, n - i)), i);
  return out;
};

const cipherState = (key: Uint8Array): CipherState => {
  const c = new CipherState(CIPHER_CHACHAPOLY);
  c.initializeKey(key);
  return c;
};

describe('handshake-layer packets', () => {
  const key = obfuscationKey(bytes('responder static', 32));

  test('round trip: kind and body come back under the same key', () => {
    const body = bytes('noise message', 96);
    const packet = wrapHandshake(PACKET_KIND.initiation, body, key, bytes('nonce 1', 16));
    const back = unwrapHandshake(packet, key);
    assert.ok(back);
    assert.equal(back.kind, PACKET_KIND.initiation);
    assert.deepEqual(Buffer.from(back.body), Buffer.from(body));
  });

  test('the same message under two nonces shares no byte position', () => {
    const body = new Uint8Array(64); // an all-zero body: the worst case for structure
    const a = wrapHandshake(PACKET_KIND.response, body, key, bytes('nonce a', 16));
    const b = wrapHandshake(PACKET_KIND.response, body, key, bytes('nonce b', 16));
    const equalPositions = a.reduce((n, x, i) => n + (x === b[i] ? 1 : 0), 0);
    assert.ok(equalPositions < 6, `${equalPositions} equal byte positions`);
  });

  test('under another key, or too short, it is not a handshake packet (mostly) and never throws', () => {
    const other = obfuscationKey(bytes('someone else', 32));
    let accepted = 0;
    for (let i = 0; i < 2000; i++) {
      const packet = wrapHandshake(PACKET_KIND.initiation, bytes(`b${i}`, 40), key, bytes(`n${i}`, 16));
      if (unwrapHandshake(packet, other) !== null) accepted++;
    }
    // A wrong key yields a random kind byte: 3 of 256 values are kinds (about 23 of 2,000).
    assert.ok(accepted < 80, `${accepted} accepted`);
    assert.equal(unwrapHandshake(new Uint8Array(16), key), null);
  });
});

describe('transport packets', () => {
  const sendKey = bytes('session key', 32);
  const receiverHeaderKey = bytes('receiver header key', 16);

  test('seal, read the header with the receiver key, open: payload, index and counter come back', () => {
    const send = cipherState(sendKey);
    const receive = cipherState(sendKey);
    const payload = bytes('payload', 200);
    const packet = sealTransport(send, new HeaderMask(receiverHeaderKey), 0xdeadbeef, 123456789, payload);
    assert.equal(packet.length, payload.length + TRANSPORT_OVERHEAD_BYTES);
    assert.ok(TRANSPORT_OVERHEAD_BYTES <= 32);
    const read = readTransportHeader(packet, new HeaderMask(receiverHeaderKey));
    assert.ok(read);
    assert.deepEqual(read, { receiverIndex: 0xdeadbeef, counter: 123456789 });
    assert.deepEqual(Buffer.from(openTransport(receive, packet, read) ?? []), Buffer.from(payload));
  });

  test('a flipped bit anywhere, or the wrong header key, and it does not open', () => {
    const send = cipherState(sendKey);
    const receive = cipherState(sendKey);
    const packet = sealTransport(send, new HeaderMask(receiverHeaderKey), 7, 42, bytes('p', 50));
    // As the receiver does: find the keys by index (here only index 7 has any), then open at the counter.
    const receiveAs = (p: Uint8Array, mask: HeaderMask): Uint8Array | null => {
      const header = readTransportHeader(p, mask);
      return header === null || header.receiverIndex !== 7 ? null : openTransport(receive, p, header);
    };
    assert.ok(receiveAs(packet, new HeaderMask(receiverHeaderKey)));
    for (let bit = 0; bit < packet.length * 8; bit += 7) {
      const bad = Uint8Array.from(packet);
      bad[bit >>> 3] = (bad[bit >>> 3] as number) ^ (1 << (bit & 7));
      assert.equal(receiveAs(bad, new HeaderMask(receiverHeaderKey)), null, `bit ${bit}`);
    }
    assert.equal(receiveAs(packet, new HeaderMask(bytes('wrong', 16))), null);
  });

  test('headers of consecutive packets pass the per-nibble chi-square test; unmasked headers fail it', () => {
    const send = cipherState(sendKey);
    const mask = new HeaderMask(receiverHeaderKey);
    const rng = new Prng(1126);
    const packets: Uint8Array[] = [];
    const control: Uint8Array[] = [];
    for (let counter = 0; counter < 2000; counter++) {
      const p = sealTransport(send, mask, 0x01020304, counter, rng.bytes(20 + rng.int(0, 180)));
      packets.push(p);
      const plainHeader = Buffer.alloc(16);
      plainHeader.writeUInt32BE(0x01020304, 0);
      plainHeader.writeBigUInt64BE(BigInt(counter), 4);
      control.push(Uint8Array.from(Buffer.concat([plainHeader.subarray(0, 12), p.subarray(12, 16)])));
    }
    const masked = maxNibbleChiSquare(packets, 16);
    const plain = maxNibbleChiSquare(control, 16);
    assert.ok(masked < CHI_SQUARE_15_P0001, `masked headers: chi-square ${masked.toFixed(1)}`);
    assert.ok(plain > CHI_SQUARE_15_P0001, `plain counter headers: chi-square ${plain.toFixed(1)}`);
  });
});
