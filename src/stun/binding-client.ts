/**
 * The client side of a STUN binding (RFC 8489 section 6.2), sans-I/O: a request to send, and the
 * reflexive address read from a success response that matches its transaction id (taken from
 * XOR-MAPPED-ADDRESS, or MAPPED-ADDRESS from an RFC 3489 server). Anything else reads as null:
 * another transaction, an error response, a malformed message. Retransmission is the caller's
 * (a driver owns the clock): STUN_BINDING_RTO_MS, doubled each time, STUN_BINDING_TRIES times.
 */

import { decodeMappedAddress, decodeXorMappedAddress, type StunAddress } from './attributes.js';
import { decodeStunMessage, encodeStunMessage, STUN_METHOD_BINDING, STUN_TRANSACTION_ID_BYTES, StunAttribute } from './message.js';

/** First retransmission timeout (section 6.2.1 recommends 500 ms). */
export const STUN_BINDING_RTO_MS = 500;
/** Requests sent at most (section 6.2.1's Rc is 7; a client gathering candidates gives up sooner). */
export const STUN_BINDING_TRIES = 4;

/** A binding request ready to send. */
export interface BindingRequest {
  readonly transactionId: Uint8Array;
  readonly bytes: Uint8Array;
}

/** A new binding request, with FINGERPRINT (so that it is told apart from other protocols on the port). */
export function bindingRequest(random: (n: number) => Uint8Array): BindingRequest {
  const transactionId = random(STUN_TRANSACTION_ID_BYTES);
  return { transactionId, bytes: encodeStunMessage({ method: STUN_METHOD_BINDING, class: 'request', transactionId, attributes: [] }, { fingerprint: true }) };
}

/** The reflexive address in a success response to `request`, or null when `datagram` is not one. */
export function readBindingResponse(datagram: Uint8Array, request: BindingRequest): StunAddress | null {
  const decoded = decodeStunMessage(datagram);
  if (!decoded.ok) return null;
  const m = decoded.value;
  if (m.method !== STUN_METHOD_BINDING || m.class !== 'success' || !Buffer.from(m.transactionId).equals(request.transactionId)) return null;
  const xor = m.attributes.find((a) => a.type === StunAttribute.XOR_MAPPED_ADDRESS);
  if (xor) return decodeXorMappedAddress(xor.value, m.transactionId);
  const plain = m.attributes.find((a) => a.type === StunAttribute.MAPPED_ADDRESS);
  return plain ? decodeMappedAddress(plain.value) : null;
}
