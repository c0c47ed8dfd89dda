/**
 * STUN messages (RFC 8489): the 20-byte header, attributes as type-length-value padded to 4
 * bytes, and the two integrity attributes a binding server meets (MESSAGE-INTEGRITY, section
 * 14.5; FINGERPRINT, section 14.7). Decoding is total: any bytes give a message or a coded
 * error. Attribute values stay raw bytes here; attributes.ts reads and writes the ones Parley uses.
 */

import { createHmac } from 'node:crypto';
import { crc32 } from 'node:zlib';

/** RFC 8489 section 5: the fixed value at bytes 4-7 of every message since RFC 5389. */
export const STUN_MAGIC_COOKIE = 0x2112a442;
/** Header bytes: type, length, magic cookie, transaction id. */
export const STUN_HEADER_BYTES = 20;
/** Transaction id bytes. */
export const STUN_TRANSACTION_ID_BYTES = 12;
/** Largest message this codec reads or writes (a UDP datagram that a path MTU of 1280 carries is far less). */
export const STUN_MESSAGE_MAX_BYTES = 4096;
/** Most attributes read from one message. */
export const STUN_ATTRIBUTES_MAX = 64;

/** Section 14.7: FINGERPRINT is the CRC-32 of the message XOR this ("STUN"). */
const FINGERPRINT_XOR = 0x5354554e;
/** HMAC-SHA1 bytes of MESSAGE-INTEGRITY. */
const INTEGRITY_BYTES = 20;

/** The attribute types this code names (section 18.3; 0x0000-0x7fff must be understood). */
export const StunAttribute = {
  MAPPED_ADDRESS: 0x0001,
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  UNKNOWN_ATTRIBUTES: 0x000a,
  REALM: 0x0014,
  NONCE: 0x0015,
  XOR_MAPPED_ADDRESS: 0x0020,
  PRIORITY: 0x0024,
  USE_CANDIDATE: 0x0025,
  SOFTWARE: 0x8022,
  FINGERPRINT: 0x8028,
  ICE_CONTROLLED: 0x8029,
  ICE_CONTROLLING: 0x802a,
} as const;

/** Message classes (section 5: the C1 C0 bits). */
export type StunClass = 'request' | 'indication' | 'success' | 'error';

/** The Binding method (section 18.2). */
export const STUN_METHOD_BINDING = 0x001;

/** One attribute: its type and raw value (without padding). */
export interface StunAttributeValue {
  readonly type: number;
  readonly value: Uint8Array;
}

/** A decoded message. */
export interface StunMessage {
  readonly method: number;
  readonly class: StunClass;
  readonly transactionId: Uint8Array;
  readonly attributes: readonly StunAttributeValue[];
}

/** Why bytes are not a STUN message. */
export type StunDecodeErrorCode = 'STUN_TOO_SHORT' | 'STUN_NOT_STUN' | 'STUN_BAD_LENGTH' | 'STUN_TOO_LARGE' | 'STUN_BAD_ATTRIBUTE' | 'STUN_TOO_MANY_ATTRIBUTES' | 'STUN_BAD_FINGERPRINT';

/** The result of decoding. */
export type StunDecodeResult = { readonly ok: true; readonly value: StunMessage } | { readonly ok: false; readonly code: StunDecodeErrorCode; readonly reason: string };

const CLASS_BITS: Record<StunClass, number> = { request: 0x0000, indication: 0x0010, success: 0x0100, error: 0x0110 };

/** The 14-bit message type of a method and class (section 5, figure 3). */
export function stunMessageType(method: number, cls: StunClass): number {
  return ((method & 0xf80) << 2) | ((method & 0x070) << 1) | (method & 0x00f) | CLASS_BITS[cls];
}

function splitType(type: number): { method: number; class: StunClass } {
  const method = ((type & 0x3e00) >> 2) | ((type & 0x00e0) >> 1) | (type & 0x000f);
  const c = type & 0x0110;
  const cls: StunClass = c === 0 ? 'request' : c === 0x0010 ? 'indication' : c === 0x0100 ? 'success' : 'error';
  return { method, class: cls };
}

const padded = (n: number): number => (n + 3) & ~3;

/**
 * Whether a datagram is shaped like a STUN message (RFC 7983 section 7: first two bits zero; RFC
 * 8489: the magic cookie, a length that is a multiple of 4 and matches the datagram). Random
 * bytes pass with probability about 2^-42, so STUN and Parley's packets can share a socket.
 */
export function looksLikeStun(bytes: Uint8Array): boolean {
  if (bytes.length < STUN_HEADER_BYTES || ((bytes[0] as number) & 0xc0) !== 0) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint16(2);
  return view.getUint32(4) === STUN_MAGIC_COOKIE && length % 4 === 0 && length + STUN_HEADER_BYTES === bytes.length;
}

const fail = (code: StunDecodeErrorCode, reason: string): StunDecodeResult => ({ ok: false, code, reason });

/** The FINGERPRINT value for `bytes` (a message whose header length already counts the FINGERPRINT attribute). */
function fingerprintOf(bytes: Uint8Array): number {
  return (crc32(bytes) ^ FINGERPRINT_XOR) >>> 0;
}

/**
 * Decodes one message. A FINGERPRINT, when present, must be the last attribute and correct
 * (section 14.7); attributes after MESSAGE-INTEGRITY other than FINGERPRINT are ignored, as
 * section 14.5 requires.
 */
export function decodeStunMessage(bytes: Uint8Array): StunDecodeResult {
  if (bytes.length < STUN_HEADER_BYTES) return fail('STUN_TOO_SHORT', `${bytes.length} bytes is less than a STUN header`);
  if (bytes.length > STUN_MESSAGE_MAX_BYTES) return fail('STUN_TOO_LARGE', `more than ${STUN_MESSAGE_MAX_BYTES} bytes`);
  if (!looksLikeStun(bytes)) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (((bytes[0] as number) & 0xc0) !== 0 || view.getUint32(4) !== STUN_MAGIC_COOKIE) return fail('STUN_NOT_STUN', 'no STUN header (first bits or magic cookie)');
    return fail('STUN_BAD_LENGTH', 'the header length does not match the message');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { method, class: cls } = splitType(view.getUint16(0));
  const attributes: StunAttributeValue[] = [];
  let at = STUN_HEADER_BYTES;
  let afterIntegrity = false;
  while (at < bytes.length) {
    if (bytes.length - at < 4) return fail('STUN_BAD_ATTRIBUTE', 'an attribute header is cut short');
    const type = view.getUint16(at);
    const length = view.getUint16(at + 2);
    if (at + 4 + padded(length) > bytes.length) return fail('STUN_BAD_ATTRIBUTE', `attribute 0x${type.toString(16)} runs past the message`);
    const value = bytes.subarray(at + 4, at + 4 + length);
    if (type === StunAttribute.FINGERPRINT) {
      if (length !== 4 || at + 8 !== bytes.length) return fail('STUN_BAD_ATTRIBUTE', 'FINGERPRINT must be the last attribute, 4 bytes');
      if (view.getUint32(at + 4) !== fingerprintOf(bytes.subarray(0, at))) return fail('STUN_BAD_FINGERPRINT', 'the FINGERPRINT does not match');
    }
    if (!afterIntegrity || type === StunAttribute.FINGERPRINT) {
      if (attributes.length >= STUN_ATTRIBUTES_MAX) return fail('STUN_TOO_MANY_ATTRIBUTES', `more than ${STUN_ATTRIBUTES_MAX} attributes`);
      attributes.push({ type, value });
    }
    if (type === StunAttribute.MESSAGE_INTEGRITY) afterIntegrity = true;
    at += 4 + padded(length);
  }
  return { ok: true, value: { method, class: cls, transactionId: bytes.slice(8, STUN_HEADER_BYTES), attributes } };
}

/** How a message is encoded. */
export interface StunEncodeOptions {
  /** Adds MESSAGE-INTEGRITY (HMAC-SHA1) with this key (section 14.5; the short-term key is the password). */
  readonly integrityKey?: Uint8Array;
  /** Adds FINGERPRINT (section 14.7). */
  readonly fingerprint?: boolean;
  /** The padding byte (any value is allowed; RFC 5769's samples use spaces). */
  readonly paddingByte?: number;
}

/** Encodes a message; `attributes` in order, then MESSAGE-INTEGRITY and FINGERPRINT if asked. */
export function encodeStunMessage(message: StunMessage, options: StunEncodeOptions = {}): Uint8Array {
  if (message.transactionId.length !== STUN_TRANSACTION_ID_BYTES) throw new RangeError('a STUN transaction id is 12 bytes');
  const tail = (options.integrityKey ? 4 + INTEGRITY_BYTES : 0) + (options.fingerprint === true ? 8 : 0);
  const bodyBytes = message.attributes.reduce((n, a) => n + 4 + padded(a.value.length), 0);
  const total = STUN_HEADER_BYTES + bodyBytes + tail;
  if (total > STUN_MESSAGE_MAX_BYTES) throw new RangeError(`a STUN message is at most ${STUN_MESSAGE_MAX_BYTES} bytes`);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint16(0, stunMessageType(message.method, message.class));
  view.setUint32(4, STUN_MAGIC_COOKIE);
  out.set(message.transactionId, 8);
  let at = STUN_HEADER_BYTES;
  for (const a of message.attributes) {
    if (a.value.length > 0xffff) throw new RangeError('a STUN attribute value is at most 65,535 bytes');
    view.setUint16(at, a.type);
    view.setUint16(at + 2, a.value.length);
    out.set(a.value, at + 4);
    out.fill(options.paddingByte ?? 0, at + 4 + a.value.length, at + 4 + padded(a.value.length));
    at += 4 + padded(a.value.length);
  }
  if (options.integrityKey) {
    // The length covers the message up to and including MESSAGE-INTEGRITY (not FINGERPRINT).
    view.setUint16(2, at + 4 + INTEGRITY_BYTES - STUN_HEADER_BYTES);
    const mac = createHmac('sha1', options.integrityKey).update(out.subarray(0, at)).digest();
    view.setUint16(at, StunAttribute.MESSAGE_INTEGRITY);
    view.setUint16(at + 2, INTEGRITY_BYTES);
    out.set(mac, at + 4);
    at += 4 + INTEGRITY_BYTES;
  }
  view.setUint16(2, total - STUN_HEADER_BYTES);
  if (options.fingerprint === true) {
    view.setUint16(at, StunAttribute.FINGERPRINT);
    view.setUint16(at + 2, 4);
    view.setUint32(at + 4, fingerprintOf(out.subarray(0, at)));
  }
  return out;
}

/**
 * Whether `bytes` (a whole message that decoded) carries a MESSAGE-INTEGRITY that `key` made
 * (section 14.5): HMAC-SHA1 over the message up to the attribute, with the header length set
 * to end just after it. False when there is none.
 */
export function verifyStunIntegrity(bytes: Uint8Array, key: Uint8Array): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = STUN_HEADER_BYTES;
  while (at + 4 <= bytes.length) {
    const type = view.getUint16(at);
    const length = view.getUint16(at + 2);
    if (type === StunAttribute.MESSAGE_INTEGRITY) {
      if (length !== INTEGRITY_BYTES || at + 4 + INTEGRITY_BYTES > bytes.length) return false;
      const covered = Uint8Array.from(bytes.subarray(0, at));
      new DataView(covered.buffer).setUint16(2, at + 4 + INTEGRITY_BYTES - STUN_HEADER_BYTES);
      const mac = createHmac('sha1', key).update(covered).digest();
      return mac.equals(bytes.subarray(at + 4, at + 4 + INTEGRITY_BYTES));
    }
    at += 4 + padded(length);
  }
  return false;
}
