/**
 * What the session layer puts in the Noise handshake payloads (encrypted by Noise): the sender's
 * index for transport packets to it, its header-protection key, and (initiations only) a
 * timestamp that only ever grows per initiator, so a replayed initiation is refused. Anything
 * after these fields is the application's (a certificate, later).
 */

import { HEADER_KEY_BYTES } from './packet.js';

/** Fixed bytes before the application's data. */
export const HANDSHAKE_PAYLOAD_FIXED_BYTES = 4 + HEADER_KEY_BYTES + 8;

/** The session layer's part of a handshake payload. */
export interface HandshakePayload {
  readonly senderIndex: number;
  readonly headerKey: Uint8Array;
  /** Milliseconds (the sender's clock); responses carry 0. */
  readonly timestamp: number;
  readonly application: Uint8Array;
}

export function encodeHandshakePayload(p: HandshakePayload): Uint8Array {
  const out = Buffer.alloc(HANDSHAKE_PAYLOAD_FIXED_BYTES + p.application.length);
  out.writeUInt32BE(p.senderIndex >>> 0, 0);
  out.set(p.headerKey.subarray(0, HEADER_KEY_BYTES), 4);
  out.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(p.timestamp))), 4 + HEADER_KEY_BYTES);
  out.set(p.application, HANDSHAKE_PAYLOAD_FIXED_BYTES);
  return new Uint8Array(out);
}

/** The payload, or null if it is too short or its timestamp is not a safe integer. */
export function decodeHandshakePayload(bytes: Uint8Array): HandshakePayload | null {
  if (bytes.length < HANDSHAKE_PAYLOAD_FIXED_BYTES) return null;
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const timestamp = b.readBigUInt64BE(4 + HEADER_KEY_BYTES);
  if (timestamp > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return {
    senderIndex: b.readUInt32BE(0),
    headerKey: new Uint8Array(b.subarray(4, 4 + HEADER_KEY_BYTES)),
    timestamp: Number(timestamp),
    application: new Uint8Array(b.subarray(HANDSHAKE_PAYLOAD_FIXED_BYTES)),
  };
}
