/**
 * Real X25519 and Ed25519 keys made from seeded bytes, so corpus keys and signatures are genuine
 * (a compressor sees the same statistics as on a live network) and yet reproducible per seed.
 */

import { createPrivateKey, createPublicKey, type KeyObject, sign } from 'node:crypto';
import type { Prng } from '../../src/util/prng.js';

// PKCS#8 DER of a 32-byte private key (RFC 8410 section 7): SEQUENCE { version 0,
// AlgorithmIdentifier { OID }, OCTET STRING { OCTET STRING (32 bytes) } }; the key bytes follow.
const PKCS8_PREFIX_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const PKCS8_PREFIX_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');
/** An Ed25519 or X25519 SubjectPublicKeyInfo ends with the 32 raw public key bytes. */
const RAW_KEY_BYTES = 32;

/** An Ed25519 signing key pair. */
export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: Uint8Array;
}

/** A fresh Ed25519 key pair from 32 seeded bytes. */
export function signingKeyFrom(prng: Prng): SigningKey {
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX_ED25519, prng.bytes(RAW_KEY_BYTES)]),
    format: 'der',
    type: 'pkcs8',
  });
  return { privateKey, publicKey: rawPublicKey(privateKey) };
}

/** The public half of a fresh X25519 key pair from 32 seeded bytes (the private half is not needed). */
export function dhPublicKeyFrom(prng: Prng): Uint8Array {
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX_X25519, prng.bytes(RAW_KEY_BYTES)]),
    format: 'der',
    type: 'pkcs8',
  });
  return rawPublicKey(privateKey);
}

/** An Ed25519 signature (64 bytes; deterministic by RFC 8032) over a purpose label and the data. */
export function signWith(key: SigningKey, purpose: string, data: string): Uint8Array {
  // Domain separation: a signature made for one purpose never verifies for another.
  return new Uint8Array(sign(null, Buffer.from(`parley/${purpose}/v1\n${data}`, 'utf8'), key.privateKey));
}

function rawPublicKey(privateKey: KeyObject): Uint8Array {
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(spki.length - RAW_KEY_BYTES));
}
