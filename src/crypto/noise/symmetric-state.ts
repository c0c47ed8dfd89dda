/** Section 5.2: a SymmetricState, the chaining key and handshake hash of a handshake. */

import { CipherState, KEY_BYTES } from './cipher-state.js';
import type { CipherFunctions, HashFunctions } from './primitives.js';

/** Keys from a hash output: HASHLEN 64 outputs are truncated to 32 bytes (section 5.2). */
const key = (output: Uint8Array): Uint8Array => output.subarray(0, KEY_BYTES);

/** A saved SymmetricState (chaining key, hash and cipher state are replaced, never mutated, so references suffice). */
export interface SymmetricSnapshot {
  readonly ck: Uint8Array;
  readonly h: Uint8Array;
  readonly cs: { readonly k: Uint8Array | null; readonly n: bigint };
}

/** Mixes keys and hashes the transcript. */
export class SymmetricState {
  readonly cs: CipherState;
  ck: Uint8Array;
  h: Uint8Array;

  /** InitializeSymmetric(protocolName). */
  constructor(
    readonly cipher: CipherFunctions,
    readonly hash: HashFunctions,
    protocolName: string,
  ) {
    const name = Buffer.from(protocolName, 'ascii');
    if (name.length <= hash.hashLen) {
      this.h = new Uint8Array(hash.hashLen);
      this.h.set(name);
    } else {
      this.h = hash.hash(name);
    }
    this.ck = Uint8Array.from(this.h);
    this.cs = new CipherState(cipher);
  }

  mixKey(ikm: Uint8Array): void {
    const [ck, tempK] = this.hash.hkdf(this.ck, ikm, 2) as [Uint8Array, Uint8Array];
    this.ck = ck;
    this.cs.initializeKey(key(tempK));
  }

  mixHash(data: Uint8Array): void {
    this.h = this.hash.hash(this.h, data);
  }

  /** For PSKs (section 9). */
  mixKeyAndHash(ikm: Uint8Array): void {
    const [ck, tempH, tempK] = this.hash.hkdf(this.ck, ikm, 3) as [Uint8Array, Uint8Array, Uint8Array];
    this.ck = ck;
    this.mixHash(tempH);
    this.cs.initializeKey(key(tempK));
  }

  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ciphertext = this.cs.encryptWithAd(this.h, plaintext);
    this.mixHash(ciphertext);
    return ciphertext;
  }

  decryptAndHash(ciphertext: Uint8Array): Uint8Array {
    const plaintext = this.cs.decryptWithAd(this.h, ciphertext);
    this.mixHash(ciphertext);
    return plaintext;
  }

  /** The state, to be restored if a message turns out not to authenticate. */
  snapshot(): SymmetricSnapshot {
    return { ck: this.ck, h: this.h, cs: this.cs.snapshot() };
  }

  restore(s: SymmetricSnapshot): void {
    this.ck = s.ck;
    this.h = s.h;
    this.cs.restore(s.cs);
  }

  /** Split(): the two transport CipherStates, initiator-to-responder first. */
  split(): [CipherState, CipherState] {
    const [k1, k2] = this.hash.hkdf(this.ck, new Uint8Array(0), 2) as [Uint8Array, Uint8Array];
    const c1 = new CipherState(this.cipher);
    const c2 = new CipherState(this.cipher);
    c1.initializeKey(key(k1));
    c2.initializeKey(key(k2));
    return [c1, c2];
  }
}
