/**
 * The STUN attribute values a binding server reads and writes: (XOR-)MAPPED-ADDRESS (RFC 8489
 * sections 14.1-14.2), ERROR-CODE (14.8), UNKNOWN-ATTRIBUTES (14.9), SOFTWARE (14.14). Readers
 * return null for malformed values.
 */

import { formatIp, parseIp } from '../wire/address.js';
import { STUN_MAGIC_COOKIE } from './message.js';

const FAMILY_IPV4 = 0x01;
const FAMILY_IPV6 = 0x02;
/** Section 14.14: SOFTWARE is fewer than 128 characters (at most 763 bytes). */
export const STUN_SOFTWARE_MAX_BYTES = 763;

/** A transport address. */
export interface StunAddress {
  readonly host: string;
  readonly port: number;
}

/** The 16 bytes an IPv6 address is XORed with: the magic cookie, then the transaction id. */
function xorPad(transactionId: Uint8Array): Uint8Array {
  const pad = new Uint8Array(16);
  new DataView(pad.buffer).setUint32(0, STUN_MAGIC_COOKIE);
  pad.set(transactionId, 4);
  return pad;
}

function encodeAddress(address: StunAddress, transactionId: Uint8Array | null): Uint8Array {
  const ip = parseIp(address.host);
  if (!ip) throw new RangeError(`${address.host} is not an IP address`);
  // An IPv4-mapped IPv6 address is the IPv4 peer of a dual-stack socket.
  const v4mapped = ip.length === 16 && ip.subarray(0, 10).every((b) => b === 0) && ip[10] === 0xff && ip[11] === 0xff;
  const raw = v4mapped ? ip.subarray(12) : ip;
  const out = new Uint8Array(4 + raw.length);
  const view = new DataView(out.buffer);
  view.setUint8(1, raw.length === 4 ? FAMILY_IPV4 : FAMILY_IPV6);
  view.setUint16(2, transactionId ? address.port ^ (STUN_MAGIC_COOKIE >>> 16) : address.port);
  const pad = transactionId ? xorPad(transactionId) : new Uint8Array(16);
  for (let i = 0; i < raw.length; i++) out[4 + i] = (raw[i] as number) ^ (pad[i] as number);
  return out;
}

function decodeAddress(value: Uint8Array, transactionId: Uint8Array | null): StunAddress | null {
  if (value.length < 4) return null;
  const family = value[1];
  const length = family === FAMILY_IPV4 ? 4 : family === FAMILY_IPV6 ? 16 : 0;
  if (length === 0 || value.length !== 4 + length) return null;
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const pad = transactionId ? xorPad(transactionId) : new Uint8Array(16);
  const ip = new Uint8Array(length);
  for (let i = 0; i < length; i++) ip[i] = (value[4 + i] as number) ^ (pad[i] as number);
  const port = transactionId ? view.getUint16(2) ^ (STUN_MAGIC_COOKIE >>> 16) : view.getUint16(2);
  return { host: formatIp(ip), port };
}

/** XOR-MAPPED-ADDRESS's value for `address` in the message with `transactionId`. */
export function encodeXorMappedAddress(address: StunAddress, transactionId: Uint8Array): Uint8Array {
  return encodeAddress(address, transactionId);
}

/** Reads XOR-MAPPED-ADDRESS. */
export function decodeXorMappedAddress(value: Uint8Array, transactionId: Uint8Array): StunAddress | null {
  return decodeAddress(value, transactionId);
}

/** MAPPED-ADDRESS's value (for clients of RFC 3489's era that read only it). */
export function encodeMappedAddress(address: StunAddress): Uint8Array {
  return encodeAddress(address, null);
}

/** Reads MAPPED-ADDRESS. */
export function decodeMappedAddress(value: Uint8Array): StunAddress | null {
  return decodeAddress(value, null);
}

/** ERROR-CODE's value: class and number (300-699) and a reason phrase. */
export function encodeErrorCode(code: number, reason: string): Uint8Array {
  if (!Number.isInteger(code) || code < 300 || code > 699) throw new RangeError('a STUN error code is 300-699');
  const text = Buffer.from(reason, 'utf8');
  const out = new Uint8Array(4 + text.length);
  out[2] = Math.floor(code / 100);
  out[3] = code % 100;
  out.set(text, 4);
  return out;
}

/** Reads ERROR-CODE. */
export function decodeErrorCode(value: Uint8Array): { code: number; reason: string } | null {
  if (value.length < 4) return null;
  const cls = (value[2] as number) & 0x07;
  const number = value[3] as number;
  if (cls < 3 || cls > 6 || number > 99) return null;
  return { code: cls * 100 + number, reason: Buffer.from(value.subarray(4)).toString('utf8') };
}

/** UNKNOWN-ATTRIBUTES' value: the attribute types a request carried that were not understood. */
export function encodeUnknownAttributes(types: readonly number[]): Uint8Array {
  const out = new Uint8Array(2 * types.length);
  const view = new DataView(out.buffer);
  types.forEach((t, i) => view.setUint16(2 * i, t));
  return out;
}

/** SOFTWARE's value. */
export function encodeSoftware(text: string): Uint8Array {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > STUN_SOFTWARE_MAX_BYTES) throw new RangeError(`SOFTWARE is at most ${STUN_SOFTWARE_MAX_BYTES} bytes`);
  return new Uint8Array(bytes);
}
