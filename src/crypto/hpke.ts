/**
 * HPKE (RFC 9180), base mode, one suite: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
 * ChaCha20-Poly1305 (kem 0x0020, kdf 0x0001, aead 0x0003). What a device uses to seal a message
 * to another device's X25519 key when it cannot (or need not) hold a session with it: the
 * offline store and every other relay see only `enc` and ciphertext. On node:crypto; checked
 * against RFC 9180's test vectors (Appendix A.2).
 */

import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

import { DH_25519, type KeyPair } from './noise/index.js';

const KEM_ID = 0x0020;
const KDF_ID = 0x0001;
const AEAD_ID = 0x0003;
/** Nh, Nk, Nn, Nt (RFC 9180 section 7). */
const HASH_BYTES = 32;
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Npk = Nenc for X25519. */
export const HPKE_ENC_BYTES = 32;

const i2osp = (n: number, bytes: number): Uint8Array => {
  const out = new Uint8Array(bytes);
  for (let i = bytes - 1, v = n; i >= 0 && v > 0; i--, v = Math.floor(v / 256)) out[i] = v % 256;
  return out;
};
const ascii = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'ascii'));
const concat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));
const hmac = (key: Uint8Array, data: Uint8Array): Uint8Array => new Uint8Array(createHmac('sha256', key).update(data).digest());

const VERSION = ascii('HPKE-v1');
const KEM_SUITE = concat(ascii('KEM'), i2osp(KEM_ID, 2));
const HPKE_SUITE = concat(ascii('HPKE'), i2osp(KEM_ID, 2), i2osp(KDF_ID, 2), i2osp(AEAD_ID, 2));

function labeledExtract(suite: Uint8Array, salt: Uint8Array, label: string, ikm: Uint8Array): Uint8Array {
  return hmac(salt.length > 0 ? salt : new Uint8Array(HASH_BYTES), concat(VERSION, suite, ascii(label), ikm));
}

function labeledExpand(suite: Uint8Array, prk: Uint8Array, label: string, info: Uint8Array, length: number): Uint8Array {
  const labeled = concat(i2osp(length, 2), VERSION, suite, ascii(label), info);
  const out: Uint8Array[] = [];
  let t: Uint8Array = new Uint8Array(0);
  for (let i = 1; out.length * HASH_BYTES < length; i++) {
    t = hmac(prk, concat(t, labeled, Uint8Array.of(i)));
    out.push(t);
  }
  return concat(...out).subarray(0, length);
}

/** DeriveKeyPair (section 7.1.3): the X25519 key pair of input keying material. */
export function hpkeDeriveKeyPair(ikm: Uint8Array): KeyPair {
  const prk = labeledExtract(KEM_SUITE, new Uint8Array(0), 'dkp_prk', ikm);
  return DH_25519.keyPairFrom(labeledExpand(KEM_SUITE, prk, 'sk', new Uint8Array(0), KEY_BYTES));
}

function sharedSecret(dh: Uint8Array, enc: Uint8Array, recipientPublic: Uint8Array): Uint8Array {
  const prk = labeledExtract(KEM_SUITE, new Uint8Array(0), 'eae_prk', dh);
  return labeledExpand(KEM_SUITE, prk, 'shared_secret', concat(enc, recipientPublic), HASH_BYTES);
}

/** The key schedule's outputs (section 5.1, base mode). */
export interface HpkeSecrets {
  readonly key: Uint8Array;
  readonly baseNonce: Uint8Array;
  readonly exporterSecret: Uint8Array;
}

function keySchedule(shared: Uint8Array, info: Uint8Array): HpkeSecrets {
  const empty = new Uint8Array(0);
  const context = concat(Uint8Array.of(0), labeledExtract(HPKE_SUITE, empty, 'psk_id_hash', empty), labeledExtract(HPKE_SUITE, empty, 'info_hash', info));
  const secret = labeledExtract(HPKE_SUITE, shared, 'secret', empty);
  return {
    key: labeledExpand(HPKE_SUITE, secret, 'key', context, KEY_BYTES),
    baseNonce: labeledExpand(HPKE_SUITE, secret, 'base_nonce', context, NONCE_BYTES),
    exporterSecret: labeledExpand(HPKE_SUITE, secret, 'exp', context, HASH_BYTES),
  };
}

function nonceOf(base: Uint8Array, seq: number): Uint8Array {
  const n = Uint8Array.from(base);
  const s = i2osp(seq, NONCE_BYTES);
  for (let i = 0; i < NONCE_BYTES; i++) n[i] = (n[i] as number) ^ (s[i] as number);
  return n;
}

/** A sender's or recipient's context: ChaCha20-Poly1305 under the schedule's key, nonces by sequence number. */
export class HpkeContext {
  constructor(readonly secrets: HpkeSecrets) {}

  /** Seals message number `seq`. */
  seal(seq: number, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    const c = createCipheriv('chacha20-poly1305', this.secrets.key, nonceOf(this.secrets.baseNonce, seq), { authTagLength: TAG_BYTES });
    c.setAAD(aad, { plaintextLength: plaintext.length });
    return concat(c.update(plaintext), c.final(), c.getAuthTag());
  }

  /** Opens message number `seq`; null when it does not authenticate. */
  open(seq: number, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array | null {
    if (ciphertext.length < TAG_BYTES) return null;
    const d = createDecipheriv('chacha20-poly1305', this.secrets.key, nonceOf(this.secrets.baseNonce, seq), { authTagLength: TAG_BYTES });
    d.setAAD(aad, { plaintextLength: ciphertext.length - TAG_BYTES });
    d.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_BYTES));
    try {
      return concat(d.update(ciphertext.subarray(0, ciphertext.length - TAG_BYTES)), d.final());
    } catch {
      return null;
    }
  }
}

/** SetupBaseS: `enc` for the recipient and the sender's context. `ephemeralIkm` only for test vectors. */
export function hpkeSetupSender(recipientPublic: Uint8Array, info: Uint8Array, ephemeralIkm?: Uint8Array): { enc: Uint8Array; context: HpkeContext } {
  const ephemeral = hpkeDeriveKeyPair(ephemeralIkm ?? new Uint8Array(randomBytes(KEY_BYTES)));
  const dh = DH_25519.dh(ephemeral, recipientPublic);
  const enc = ephemeral.publicKey;
  return { enc, context: new HpkeContext(keySchedule(sharedSecret(dh, enc, recipientPublic), info)) };
}

/** SetupBaseR: the recipient's context, or null when `enc` is not a usable X25519 key. */
export function hpkeSetupRecipient(recipient: KeyPair, enc: Uint8Array, info: Uint8Array): HpkeContext | null {
  if (enc.length !== HPKE_ENC_BYTES) return null;
  let dh: Uint8Array;
  try {
    dh = DH_25519.dh(recipient, enc);
  } catch {
    return null;
  }
  return new HpkeContext(keySchedule(sharedSecret(dh, enc, recipient.publicKey), info));
}

/** Single-shot seal (section 6.1): `enc` followed by the ciphertext. */
export function hpkeSeal(recipientPublic: Uint8Array, info: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const { enc, context } = hpkeSetupSender(recipientPublic, info);
  return concat(enc, context.seal(0, aad, plaintext));
}

/** Single-shot open of `enc || ciphertext`; null when it does not authenticate. */
export function hpkeOpen(recipient: KeyPair, info: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null {
  if (sealed.length < HPKE_ENC_BYTES + TAG_BYTES) return null;
  const context = hpkeSetupRecipient(recipient, sealed.subarray(0, HPKE_ENC_BYTES), info);
  return context ? context.open(0, aad, sealed.subarray(HPKE_ENC_BYTES)) : null;
}
