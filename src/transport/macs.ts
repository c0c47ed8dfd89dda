/**
 * The handshake MACs and cookies (after WireGuard, section 5.4.4 and 5.4.7 of its paper): mac1
 * proves the sender knows the responder's public key, and is checked before any DH; under load,
 * mac2 proves the sender received a cookie at its address, so spoofed sources cost nothing.
 * MACs are HMAC-BLAKE2s truncated to 16 bytes (node:crypto has no keyed BLAKE2s).
 */

import { createCipheriv, createDecipheriv, createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Bytes of mac1, mac2 and a cookie. */
export const MAC_BYTES = 16;
/** Random bytes in a cookie reply that key its encryption. */
export const COOKIE_NONCE_BYTES = 16;
const TAG_BYTES = 16;

const label = (name: string, responderStatic: Uint8Array): Uint8Array =>
  new Uint8Array(createHash('blake2s256').update(name, 'ascii').update(responderStatic).digest());

/** The key of mac1 for a responder. */
export const mac1Key = (responderStatic: Uint8Array): Uint8Array => label('parley mac1 v1', responderStatic);
/** The key that encrypts cookies for a responder. */
export const cookieKey = (responderStatic: Uint8Array): Uint8Array => label('parley cookie v1', responderStatic);

/** A 16-byte MAC of `parts` under `key`. */
export function mac(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const h = createHmac('blake2s256', key);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest().subarray(0, MAC_BYTES));
}

/** Constant-time equality of two MACs. */
export function sameMac(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The cookie of a source address under the current secret. */
export function cookieFor(secret: Uint8Array, source: string): Uint8Array {
  return mac(secret, Buffer.from(source, 'utf8'));
}

const cookieCipherKey = (key: Uint8Array, nonce: Uint8Array): Uint8Array => new Uint8Array(createHmac('blake2s256', key).update(nonce).digest());
const ZERO_NONCE = new Uint8Array(12);

/** Encrypts a cookie for the initiator, bound to the mac1 of its initiation: nonce || ciphertext || tag. */
export function sealCookie(key: Uint8Array, nonce: Uint8Array, mac1: Uint8Array, cookie: Uint8Array): Uint8Array {
  // A fresh key per reply (from the random nonce), so the ChaCha20-Poly1305 nonce can stay zero.
  const c = createCipheriv('chacha20-poly1305', cookieCipherKey(key, nonce), ZERO_NONCE, { authTagLength: TAG_BYTES });
  c.setAAD(mac1, { plaintextLength: cookie.length });
  return new Uint8Array(Buffer.concat([nonce, c.update(cookie), c.final(), c.getAuthTag()]));
}

/** The cookie in a cookie reply, or null if it does not authenticate. */
export function openCookie(key: Uint8Array, mac1: Uint8Array, sealed: Uint8Array): Uint8Array | null {
  if (sealed.length !== COOKIE_NONCE_BYTES + MAC_BYTES + TAG_BYTES) return null;
  const nonce = sealed.subarray(0, COOKIE_NONCE_BYTES);
  const d = createDecipheriv('chacha20-poly1305', cookieCipherKey(key, nonce), ZERO_NONCE, { authTagLength: TAG_BYTES });
  d.setAAD(mac1, { plaintextLength: MAC_BYTES });
  d.setAuthTag(sealed.subarray(COOKIE_NONCE_BYTES + MAC_BYTES));
  const cookie = d.update(sealed.subarray(COOKIE_NONCE_BYTES, COOKIE_NONCE_BYTES + MAC_BYTES));
  try {
    d.final();
  } catch {
    return null;
  }
  return new Uint8Array(cookie);
}
