/** Section 5.1: a CipherState, a key and a 64-bit nonce counter. */

import { NoiseError } from './errors.js';
import type { CipherFunctions } from './primitives.js';

/** Nonce 2^64-1 is reserved (section 5.1); the last usable one is 2^64-2. */
export const NONCE_MAX = 0xffff_ffff_ffff_fffen;
const REKEY_NONCE = 0xffff_ffff_ffff_ffffn;
/** Bytes of a cipher key. */
export const KEY_BYTES = 32;

/** Encrypts or decrypts with a key and counts nonces; without a key it passes data through. */
export class CipherState {
  private k: Uint8Array | null = null;
  /** The next nonce. */
  n = 0n;

  constructor(readonly cipher: CipherFunctions) {}

  /** InitializeKey(key): a key, or null for none; resets the nonce. */
  initializeKey(key: Uint8Array | null): void {
    this.k = key === null ? null : Uint8Array.from(key);
    this.n = 0n;
  }

  /** Key and nonce, to restore after a failed handshake read. */
  snapshot(): { readonly k: Uint8Array | null; readonly n: bigint } {
    return { k: this.k, n: this.n };
  }

  restore(s: { readonly k: Uint8Array | null; readonly n: bigint }): void {
    this.k = s.k;
    this.n = s.n;
  }

  hasKey(): boolean {
    return this.k !== null;
  }

  private nextNonce(): bigint {
    if (this.n > NONCE_MAX) throw new NoiseError('NOISE_NONCE_EXHAUSTED', 'no nonce left: rekey or start a new session', 'local');
    return this.n++;
  }

  /** EncryptWithAd(ad, plaintext). */
  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (this.k === null) return Uint8Array.from(plaintext);
    return this.cipher.encrypt(this.k, this.nextNonce(), ad, plaintext);
  }

  /** DecryptWithAd(ad, ciphertext); the nonce advances only when it authenticates. */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    if (this.k === null) return Uint8Array.from(ciphertext);
    if (this.n > NONCE_MAX) throw new NoiseError('NOISE_NONCE_EXHAUSTED', 'no nonce left', 'local');
    const plaintext = this.cipher.decrypt(this.k, this.n, ad, ciphertext);
    if (plaintext === null) throw new NoiseError('NOISE_DECRYPT_FAILED', 'ciphertext does not authenticate');
    this.n++;
    return plaintext;
  }

  /** Decrypts at an explicit nonce (transport packets carry theirs); null if it does not authenticate. */
  decryptAt(nonce: bigint, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array | null {
    if (this.k === null) throw new NoiseError('NOISE_STATE', 'no key', 'local');
    return this.cipher.decrypt(this.k, nonce, ad, ciphertext);
  }

  /** Encrypts at an explicit nonce. */
  encryptAt(nonce: bigint, ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (this.k === null) throw new NoiseError('NOISE_STATE', 'no key', 'local');
    return this.cipher.encrypt(this.k, nonce, ad, plaintext);
  }

  /** Section 4.2 REKEY: the key becomes ENCRYPT(k, 2^64-1, empty, 32 zero bytes), first 32 bytes. */
  rekey(): void {
    if (this.k === null) throw new NoiseError('NOISE_STATE', 'no key to rekey', 'local');
    this.k = this.cipher.encrypt(this.k, REKEY_NONCE, new Uint8Array(0), new Uint8Array(KEY_BYTES)).subarray(0, KEY_BYTES);
  }
}
