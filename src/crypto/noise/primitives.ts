/**
 * The Noise Protocol Framework's primitives (revision 34, sections 4 and 12) on node:crypto:
 * DH 25519, ciphers AESGCM and ChaChaPoly, hashes SHA256, SHA512, BLAKE2s and BLAKE2b with their
 * HMAC and HKDF.
 */

import { createCipheriv, createDecipheriv, createHash, createHmac, createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import { NoiseError } from './errors.js';

/** Section 4.1: a Diffie-Hellman function. */
export interface DhFunctions {
  readonly name: string;
  /** DHLEN: bytes of a public key and of a DH output. */
  readonly dhLen: number;
  /** The key pair of a private key (for test vectors and stored static keys). */
  keyPairFrom(privateKey: Uint8Array): KeyPair;
  /** DH(private key, public key). */
  dh(keyPair: KeyPair, publicKey: Uint8Array): Uint8Array;
}

/** A DH key pair. `handle` is the node:crypto private key, kept so it is parsed once. */
export interface KeyPair {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly handle: KeyObject;
}

/** RFC 8410 DER prefixes around a raw 32-byte X25519 key. */
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
const X25519_KEY_BYTES = 32;

/** Section 12.1: Curve25519 (RFC 7748 X25519). */
export const DH_25519: DhFunctions = {
  name: '25519',
  dhLen: X25519_KEY_BYTES,
  keyPairFrom(privateKey) {
    if (privateKey.length !== X25519_KEY_BYTES) throw new NoiseError('NOISE_BAD_KEY', 'an X25519 private key has 32 bytes', 'local');
    const handle = createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, privateKey]), format: 'der', type: 'pkcs8' });
    const spki = createPublicKey(handle).export({ format: 'der', type: 'spki' });
    return { privateKey: Uint8Array.from(privateKey), publicKey: new Uint8Array(spki.subarray(X25519_SPKI_PREFIX.length)), handle };
  },
  dh(keyPair, publicKey) {
    if (publicKey.length !== X25519_KEY_BYTES) throw new NoiseError('NOISE_BAD_MESSAGE', 'an X25519 public key has 32 bytes');
    const peer = createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
    try {
      return new Uint8Array(diffieHellman({ privateKey: keyPair.handle, publicKey: peer }));
    } catch {
      // OpenSSL refuses low-order points (an all-zero shared secret); so does Noise's 25519 (section 12.1).
      throw new NoiseError('NOISE_BAD_MESSAGE', 'X25519 with a low-order public key');
    }
  },
};

/** Section 4.2: an AEAD cipher with a 32-byte key and a 64-bit counter nonce. */
export interface CipherFunctions {
  readonly name: string;
  encrypt(key: Uint8Array, nonce: bigint, ad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Null when the ciphertext does not authenticate. */
  decrypt(key: Uint8Array, nonce: bigint, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array | null;
}

/** Authentication tag bytes of both ciphers. */
export const TAG_BYTES = 16;

function aead(name: 'AESGCM' | 'ChaChaPoly', algorithm: 'aes-256-gcm' | 'chacha20-poly1305', littleEndian: boolean): CipherFunctions {
  // Section 12.3/12.4: 32 bits of zeros, then the counter: big-endian for AESGCM, little-endian for
  // ChaChaPoly. One buffer, rewritten per call (calls are synchronous; node:crypto copies the IV).
  const ivBuffer = Buffer.alloc(12);
  const iv = (nonce: bigint): Buffer => {
    if (littleEndian) ivBuffer.writeBigUInt64LE(nonce, 4);
    else ivBuffer.writeBigUInt64BE(nonce, 4);
    return ivBuffer;
  };
  return {
    name,
    encrypt(key, nonce, ad, plaintext) {
      const c =
        algorithm === 'aes-256-gcm'
          ? createCipheriv(algorithm, key, iv(nonce), { authTagLength: TAG_BYTES })
          : createCipheriv(algorithm, key, iv(nonce), { authTagLength: TAG_BYTES });
      if (ad.length > 0) c.setAAD(ad); // empty associated data and none are the same to GCM and ChaCha20-Poly1305
      return new Uint8Array(Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]));
    },
    decrypt(key, nonce, ad, ciphertext) {
      if (ciphertext.length < TAG_BYTES) return null;
      const d =
        algorithm === 'aes-256-gcm'
          ? createDecipheriv(algorithm, key, iv(nonce), { authTagLength: TAG_BYTES })
          : createDecipheriv(algorithm, key, iv(nonce), { authTagLength: TAG_BYTES });
      if (ad.length > 0) d.setAAD(ad);
      d.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_BYTES));
      const out = d.update(ciphertext.subarray(0, ciphertext.length - TAG_BYTES));
      try {
        return new Uint8Array(Buffer.concat([out, d.final()]));
      } catch {
        return null;
      }
    },
  };
}

/** Section 12.3 and 12.4. */
export const CIPHER_AESGCM = aead('AESGCM', 'aes-256-gcm', false);
export const CIPHER_CHACHAPOLY = aead('ChaChaPoly', 'chacha20-poly1305', true);

/** Section 4.3: a hash function, with HMAC (RFC 2104) and Noise's HKDF. */
export interface HashFunctions {
  readonly name: string;
  readonly hashLen: number;
  hash(...parts: Uint8Array[]): Uint8Array;
  /** HKDF(chaining key, input key material) with `outputs` (2 or 3) outputs of hashLen bytes. */
  hkdf(chainingKey: Uint8Array, ikm: Uint8Array, outputs: 2 | 3): Uint8Array[];
}

function hashFunctions(name: string, nodeName: string, hashLen: number): HashFunctions {
  const hmac = (key: Uint8Array, ...parts: Uint8Array[]): Uint8Array => {
    const h = createHmac(nodeName, key);
    for (const p of parts) h.update(p);
    return new Uint8Array(h.digest());
  };
  return {
    name,
    hashLen,
    hash(...parts) {
      const h = createHash(nodeName);
      for (const p of parts) h.update(p);
      return new Uint8Array(h.digest());
    },
    hkdf(chainingKey, ikm, outputs) {
      const tempKey = hmac(chainingKey, ikm);
      const out1 = hmac(tempKey, Uint8Array.of(1));
      const out2 = hmac(tempKey, out1, Uint8Array.of(2));
      return outputs === 2 ? [out1, out2] : [out1, out2, hmac(tempKey, out2, Uint8Array.of(3))];
    },
  };
}

/** Sections 12.5-12.8. */
export const HASH_SHA256 = hashFunctions('SHA256', 'sha256', 32);
export const HASH_SHA512 = hashFunctions('SHA512', 'sha512', 64);
export const HASH_BLAKE2S = hashFunctions('BLAKE2s', 'blake2s256', 32);
export const HASH_BLAKE2B = hashFunctions('BLAKE2b', 'blake2b512', 64);

/** The primitives by their names in protocol names. */
export const DH_FUNCTIONS: Readonly<Record<string, DhFunctions>> = { '25519': DH_25519 };
export const CIPHER_FUNCTIONS: Readonly<Record<string, CipherFunctions>> = { AESGCM: CIPHER_AESGCM, ChaChaPoly: CIPHER_CHACHAPOLY };
export const HASH_FUNCTIONS: Readonly<Record<string, HashFunctions>> = { SHA256: HASH_SHA256, SHA512: HASH_SHA512, BLAKE2s: HASH_BLAKE2S, BLAKE2b: HASH_BLAKE2B };
