/**
 * Parley's packets on the wire. Nothing in them is fixed or low-entropy from one packet to the
 * next (issue #3, Bonfiglio et al. 2007):
 *
 * - Handshake and cookie packets: 16 random bytes, then the kind and the body encrypted with
 *   ChaCha20 under the *obfuscation key* (a hash of the responder's static public key, which the
 *   initiator knows) and those 16 bytes as IV. Ephemeral keys (whose top bit is always 0 in the
 *   clear) and kinds are thus hidden from anyone who does not know the responder's key.
 * - Transport packets: a 12-byte header (receiver index, 64-bit counter) masked QUIC-style
 *   (RFC 9001 section 5.4) with AES-128-ECB of a 16-byte sample of the ciphertext under the
 *   *receiver's* header key, then the AEAD ciphertext. The header needs no associated data: the
 *   counter is the AEAD nonce and the index picks the key, so a changed header cannot decrypt.
 *   Overhead: 12 + 16 = 28 bytes, and 1 byte of padding marker in the plaintext (padding.ts).
 *
 * Functions here are pure: no sockets, no clocks; random bytes come in as arguments.
 */

import { createCipheriv, createHash, type Cipher } from 'node:crypto';
import type { CipherState } from '../crypto/noise/index.js';

/** Kinds of obfuscated handshake-layer packets. */
export const PACKET_KIND = { initiation: 1, response: 2, cookie: 3 } as const;
/** A handshake-layer packet kind. */
export type HandshakeKind = (typeof PACKET_KIND)[keyof typeof PACKET_KIND];

/** Random bytes in front of a handshake-layer packet (the ChaCha20 IV). */
export const OBFUSCATION_NONCE_BYTES = 16;
/** Transport header: receiver index (4) and counter (8). */
export const TRANSPORT_HEADER_BYTES = 12;
/** AEAD tag. */
export const TRANSPORT_TAG_BYTES = 16;
/** Bytes of ciphertext sampled for the header mask. */
export const HEADER_SAMPLE_BYTES = 16;
/** Bytes of a header-protection key (AES-128). */
export const HEADER_KEY_BYTES = 16;
/** Transport overhead on the wire. */
export const TRANSPORT_OVERHEAD_BYTES = TRANSPORT_HEADER_BYTES + TRANSPORT_TAG_BYTES;

const OBFUSCATION_LABEL = Buffer.from('parley obfuscation v1', 'ascii');
const NO_AD = new Uint8Array(0);

/** The obfuscation key of a responder: BLAKE2s(label || its static public key). */
export function obfuscationKey(responderStaticPublic: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('blake2s256').update(OBFUSCATION_LABEL).update(responderStaticPublic).digest());
}

function chacha20(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Buffer {
  const c = createCipheriv('chacha20', key, iv);
  return Buffer.concat([c.update(data), c.final()]);
}

/** A handshake-layer packet: nonce || ChaCha20(key, nonce; kind || body). */
export function wrapHandshake(kind: HandshakeKind, body: Uint8Array, key: Uint8Array, nonce: Uint8Array): Uint8Array {
  const inner = new Uint8Array(1 + body.length);
  inner[0] = kind;
  inner.set(body, 1);
  const out = new Uint8Array(OBFUSCATION_NONCE_BYTES + inner.length);
  out.set(nonce.subarray(0, OBFUSCATION_NONCE_BYTES));
  out.set(chacha20(key, nonce.subarray(0, OBFUSCATION_NONCE_BYTES), inner), OBFUSCATION_NONCE_BYTES);
  return out;
}

/** The kind and body of a handshake-layer packet, or null if it cannot be one (authentication comes from Noise). */
export function unwrapHandshake(packet: Uint8Array, key: Uint8Array): { kind: HandshakeKind; body: Uint8Array } | null {
  if (packet.length < OBFUSCATION_NONCE_BYTES + 1) return null;
  const inner = chacha20(key, packet.subarray(0, OBFUSCATION_NONCE_BYTES), packet.subarray(OBFUSCATION_NONCE_BYTES));
  const kind = inner[0] as number;
  if (kind !== PACKET_KIND.initiation && kind !== PACKET_KIND.response && kind !== PACKET_KIND.cookie) return null;
  return { kind, body: new Uint8Array(inner.subarray(1)) };
}

/** A header-protection mask maker for one header key: AES-128-ECB, one cipher object reused. */
export class HeaderMask {
  private readonly ecb: Cipher;
  constructor(key: Uint8Array) {
    this.ecb = createCipheriv('aes-128-ecb', key, null).setAutoPadding(false);
  }
  /** The 16-byte mask of a 16-byte sample. */
  mask(sample: Uint8Array): Buffer {
    return this.ecb.update(sample);
  }
}

/** The header of a transport packet, once unmasked. */
export interface TransportHeader {
  readonly receiverIndex: number;
  readonly counter: number;
}

/** Scratch space for one header (calls are synchronous). */
const headerScratch = Buffer.alloc(TRANSPORT_HEADER_BYTES);

/** Seals `payload` as a transport packet to the peer whose header key makes `peerMask`. */
export function sealTransport(send: CipherState, peerMask: HeaderMask, receiverIndex: number, counter: number, payload: Uint8Array): Uint8Array {
  const header = headerScratch;
  header.writeUInt32BE(receiverIndex >>> 0, 0);
  header.writeBigUInt64BE(BigInt(counter), 4);
  const ciphertext = send.encryptAt(BigInt(counter), NO_AD, payload);
  const out = Buffer.allocUnsafe(TRANSPORT_HEADER_BYTES + ciphertext.length);
  const mask = peerMask.mask(ciphertext.subarray(0, HEADER_SAMPLE_BYTES));
  for (let i = 0; i < TRANSPORT_HEADER_BYTES; i++) out[i] = (header[i] as number) ^ (mask[i] as number);
  out.set(ciphertext, TRANSPORT_HEADER_BYTES);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** Unmasks the header of what may be a transport packet to us; null if it is too short to be one. */
export function readTransportHeader(packet: Uint8Array, ownMask: HeaderMask): TransportHeader | null {
  if (packet.length < TRANSPORT_OVERHEAD_BYTES) return null;
  const mask = ownMask.mask(packet.subarray(TRANSPORT_HEADER_BYTES, TRANSPORT_HEADER_BYTES + HEADER_SAMPLE_BYTES));
  const clear = headerScratch;
  for (let i = 0; i < TRANSPORT_HEADER_BYTES; i++) clear[i] = (packet[i] as number) ^ (mask[i] as number);
  const hi = clear.readUInt32BE(4);
  // Counters are numbers (replay-window.ts): a high half of 2^21 or more is not a counter of ours.
  if (hi >= 0x20_0000) return null;
  return { receiverIndex: clear.readUInt32BE(0), counter: hi * 0x1_0000_0000 + clear.readUInt32BE(8) };
}

/** Opens a transport packet whose header was read; null if it does not authenticate. */
export function openTransport(receive: CipherState, packet: Uint8Array, header: TransportHeader): Uint8Array | null {
  return receive.decryptAt(BigInt(header.counter), NO_AD, packet.subarray(TRANSPORT_HEADER_BYTES));
}
