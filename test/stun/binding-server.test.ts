import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { decodeErrorCode, decodeXorMappedAddress } from '../../src/stun/attributes.js';
import { StunBindingServer } from '../../src/stun/binding-server.js';
import { decodeStunMessage, encodeStunMessage, STUN_METHOD_BINDING, StunAttribute, type StunMessage } from '../../src/stun/message.js';

const txid = Uint8Array.from({ length: 12 }, (_, i) => i + 1);
const request = (attributes: StunMessage['attributes'] = [], method = STUN_METHOD_BINDING, cls: StunMessage['class'] = 'request'): Uint8Array => encodeStunMessage({ method, class: cls, transactionId: txid, attributes });
const reply = (bytes: Uint8Array | null): StunMessage => {
  assert.ok(bytes, 'a reply');
  const r = decodeStunMessage(bytes);
  assert.ok(r.ok, 'the reply decodes, FINGERPRINT included');
  assert.equal(r.value.attributes.at(-1)?.type, StunAttribute.FINGERPRINT);
  return r.value;
};

describe('the binding server (sans-I/O)', () => {
  test('a Binding request gets the source address back in XOR-MAPPED-ADDRESS, for IPv4, IPv6 and IPv4-mapped sources', () => {
    const server = new StunBindingServer();
    for (const [from, expected] of [
      [{ host: '198.51.100.7', port: 40000 }, { host: '198.51.100.7', port: 40000 }],
      [{ host: '2001:db8::5', port: 1 }, { host: '2001:db8::5', port: 1 }],
      [{ host: '::ffff:203.0.113.9', port: 65535 }, { host: '203.0.113.9', port: 65535 }],
    ] as const) {
      const m = reply(server.answer(request(), from));
      assert.equal(m.class, 'success');
      assert.deepEqual([...m.transactionId], [...txid]);
      const xma = m.attributes.find((a) => a.type === StunAttribute.XOR_MAPPED_ADDRESS);
      assert.deepEqual(decodeXorMappedAddress(xma?.value ?? new Uint8Array(0), m.transactionId), expected);
    }
    assert.equal(server.stats.answered, 3);
  });

  test('attributes that must be understood but are not get 420 naming them; another method gets 400', () => {
    const server = new StunBindingServer();
    const m = reply(server.answer(request([{ type: 0x0003, value: new Uint8Array(4) }, { type: 0x7f00, value: new Uint8Array(0) }, { type: 0x8050, value: new Uint8Array(2) }]), { host: '192.0.2.1', port: 9 }));
    assert.equal(m.class, 'error');
    assert.equal(decodeErrorCode(m.attributes.find((a) => a.type === StunAttribute.ERROR_CODE)?.value ?? new Uint8Array(0))?.code, 420);
    const unknown = m.attributes.find((a) => a.type === StunAttribute.UNKNOWN_ATTRIBUTES)?.value ?? new Uint8Array(0);
    assert.equal(Buffer.from(unknown).toString('hex'), '00037f00', 'the optional 0x8050 is not listed');
    const other = reply(server.answer(request([], 0x003), { host: '192.0.2.1', port: 9 }));
    assert.equal(decodeErrorCode(other.attributes.find((a) => a.type === StunAttribute.ERROR_CODE)?.value ?? new Uint8Array(0))?.code, 400);
    assert.equal(server.stats.refused, 2);
  });

  test('indications, responses and malformed messages get nothing and are counted', () => {
    const server = new StunBindingServer();
    const from = { host: '192.0.2.1', port: 9 };
    assert.equal(server.answer(request([], STUN_METHOD_BINDING, 'indication'), from), null);
    assert.equal(server.answer(request([], STUN_METHOD_BINDING, 'success'), from), null);
    const bad = encodeStunMessage({ method: STUN_METHOD_BINDING, class: 'request', transactionId: txid, attributes: [] }, { fingerprint: true });
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 0xff;
    assert.equal(server.answer(bad, from), null);
    assert.deepEqual(server.stats.dropped, { STUN_NOT_REQUEST: 2, STUN_BAD_FINGERPRINT: 1 });
    assert.equal(server.stats.answered, 0);
  });
});
