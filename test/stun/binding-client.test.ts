import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { encodeMappedAddress } from '../../src/stun/attributes.js';
import { bindingRequest, readBindingResponse } from '../../src/stun/binding-client.js';
import { StunBindingServer } from '../../src/stun/binding-server.js';
import { decodeStunMessage, encodeStunMessage, STUN_METHOD_BINDING, StunAttribute } from '../../src/stun/message.js';

let counter = 0;
const random = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => counter++ & 0xff);

describe('the binding client (sans-I/O)', () => {
  test("a request the server answers gives back the address the server saw, IPv4 and IPv6", () => {
    const server = new StunBindingServer();
    for (const from of [{ host: '203.0.113.5', port: 61000 }, { host: '2001:db8::9', port: 4 }]) {
      const request = bindingRequest(random);
      const decoded = decodeStunMessage(request.bytes);
      assert.ok(decoded.ok && decoded.value.class === 'request' && decoded.value.attributes.at(-1)?.type === StunAttribute.FINGERPRINT, 'a binding request with FINGERPRINT');
      const reply = server.answer(request.bytes, from);
      assert.ok(reply);
      assert.deepEqual(readBindingResponse(reply, request), from);
    }
  });

  test("another transaction's response, an error, a request and garbage read as null; MAPPED-ADDRESS is read from an old server", () => {
    const server = new StunBindingServer();
    const mine = bindingRequest(random);
    const other = bindingRequest(random);
    const otherReply = server.answer(other.bytes, { host: '192.0.2.1', port: 1 });
    assert.ok(otherReply);
    assert.equal(readBindingResponse(otherReply, mine), null, "another transaction's answer");
    const error = server.answer(encodeStunMessage({ method: 0x002, class: 'request', transactionId: mine.transactionId, attributes: [] }), { host: '192.0.2.1', port: 1 });
    assert.ok(error);
    assert.equal(readBindingResponse(error, mine), null, 'an error response');
    assert.equal(readBindingResponse(mine.bytes, mine), null, 'the request itself');
    assert.equal(readBindingResponse(new Uint8Array([1, 2, 3]), mine), null, 'garbage');
    const old = encodeStunMessage({ method: STUN_METHOD_BINDING, class: 'success', transactionId: mine.transactionId, attributes: [{ type: StunAttribute.MAPPED_ADDRESS, value: encodeMappedAddress({ host: '198.51.100.2', port: 3478 }) }] });
    assert.deepEqual(readBindingResponse(old, mine), { host: '198.51.100.2', port: 3478 });
  });
});
