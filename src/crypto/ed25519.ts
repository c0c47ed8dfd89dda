/** Ed25519 (RFC 8032) with raw 32-byte keys on node:crypto. */

import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';

/** RFC 8410 DER prefixes around raw Ed25519 keys. */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
/** Bytes of a seed (private key), a public key, a signature. */
export const ED25519_SEED_BYTES = 32;
export const ED25519_PUBLIC_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;

/** An Ed25519 signing key. */
export interface SigningKey {
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly handle: KeyObject;
}

/** The signing key of a 32-byte seed. */
export function signingKeyFromSeed(seed: Uint8Array): SigningKey {
  if (seed.length !== ED25519_SEED_BYTES) throw new RangeError('an Ed25519 seed has 32 bytes');
  const handle = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(handle).export({ format: 'der', type: 'spki' });
  return { seed: Uint8Array.from(seed), publicKey: new Uint8Array(spki.subarray(SPKI_PREFIX.length)), handle };
}

/** The signature of `message`. */
export function ed25519Sign(key: SigningKey, message: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, message, key.handle));
}

/** Whether `signature` is `publicKey`'s signature of `message` (false for malformed keys or signatures). */
export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== ED25519_PUBLIC_BYTES || signature.length !== ED25519_SIGNATURE_BYTES) return false;
  try {
    const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}

/** `domain || message`: what is signed, so that a key's signatures for one purpose are never valid for another. */
export function domainSeparated(domain: Uint8Array, message: Uint8Array): Uint8Array {
  const out = new Uint8Array(domain.length + message.length);
  out.set(domain);
  out.set(message, domain.length);
  return out;
}
