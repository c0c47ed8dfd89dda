/**
 * Section 5.3: a HandshakeState runs one side of a handshake pattern. Sans-I/O: messages go in and
 * out as bytes, and ephemeral keys come from an injected random source.
 */

import type { CipherState } from './cipher-state.js';
import { NoiseError } from './errors.js';
import type { KeyPair } from './primitives.js';
import type { NoiseProtocol } from './protocol.js';
import { SymmetricState } from './symmetric-state.js';
import { TAG_BYTES } from './primitives.js';

/** How a side starts. */
export interface HandshakeOptions {
  readonly initiator: boolean;
  readonly prologue?: Uint8Array;
  /** Our static key pair, if the pattern sends or pre-shares one. */
  readonly s?: KeyPair;
  /** Our ephemeral key pair: for test vectors only; normally generated from `randomBytes`. */
  readonly e?: KeyPair;
  /** The peer's static public key, if known beforehand. */
  readonly rs?: Uint8Array;
  /** The peer's ephemeral public key, if pre-shared. */
  readonly re?: Uint8Array;
  /** Random bytes for ephemeral keys (node:crypto randomBytes in production). */
  readonly randomBytes?: (n: number) => Uint8Array;
}

/** The keys and hash a completed handshake yields. */
export interface HandshakeResult {
  /** Our sending and receiving CipherStates. */
  readonly send: CipherState;
  readonly receive: CipherState;
  /** The handshake hash (channel binding, section 11.2). */
  readonly handshakeHash: Uint8Array;
  /** The peer's static public key, if the pattern conveyed or pre-shared one. */
  readonly remoteStatic: Uint8Array | null;
}

/** One side of a handshake. */
export class HandshakeState {
  private readonly ss: SymmetricState;
  private readonly initiator: boolean;
  private s: KeyPair | null;
  private e: KeyPair | null;
  private rs: Uint8Array | null;
  private re: Uint8Array | null;
  private readonly randomBytes: ((n: number) => Uint8Array) | null;
  private index = 0;
  private failed = false;
  private done: HandshakeResult | null = null;

  constructor(
    readonly protocol: NoiseProtocol,
    options: HandshakeOptions,
  ) {
    this.initiator = options.initiator;
    this.s = options.s ?? null;
    this.e = options.e ?? null;
    this.rs = options.rs ?? null;
    this.re = options.re ?? null;
    this.randomBytes = options.randomBytes ?? null;
    this.ss = new SymmetricState(protocol.cipher, protocol.hash, protocol.name);
    this.ss.mixHash(options.prologue ?? new Uint8Array(0));
    const { pattern } = protocol;
    // Pre-messages: the initiator's keys first, then the responder's (section 5.3, Initialize).
    for (const [pre, ours] of [
      [pattern.initiatorPreMessage, this.initiator],
      [pattern.responderPreMessage, !this.initiator],
    ] as const) {
      for (const token of pre) {
        const key = token === 's' ? (ours ? this.s?.publicKey : this.rs) : ours ? this.e?.publicKey : this.re;
        if (!key) throw new NoiseError('NOISE_STATE', `pattern ${pattern.name} needs a pre-shared ${token} key`, 'local');
        this.ss.mixHash(key);
      }
    }
  }

  /** True when it is our turn to write. */
  get isMyTurn(): boolean {
    return this.done === null && !this.failed && this.index % 2 === (this.initiator ? 0 : 1);
  }

  /** The result once the last message is written or read; null before. */
  get result(): HandshakeResult | null {
    return this.done;
  }

  /** The current handshake hash. */
  get handshakeHash(): Uint8Array {
    return this.ss.h;
  }

  private dh(ours: KeyPair | null, theirs: Uint8Array | null, what: string): Uint8Array {
    if (!ours || !theirs) throw new NoiseError('NOISE_STATE', `missing key for ${what}`, 'local');
    return this.protocol.dh.dh(ours, theirs);
  }

  private mixToken(token: 'ee' | 'es' | 'se' | 'ss'): void {
    const i = this.initiator;
    switch (token) {
      case 'ee':
        return this.ss.mixKey(this.dh(this.e, this.re, 'ee'));
      case 'es':
        return this.ss.mixKey(i ? this.dh(this.e, this.rs, 'es') : this.dh(this.s, this.re, 'es'));
      case 'se':
        return this.ss.mixKey(i ? this.dh(this.s, this.re, 'se') : this.dh(this.e, this.rs, 'se'));
      case 'ss':
        return this.ss.mixKey(this.dh(this.s, this.rs, 'ss'));
    }
  }

  private finishIfLast(): void {
    if (this.index < this.protocol.pattern.messages.length) return;
    const [c1, c2] = this.ss.split();
    this.done = {
      send: this.initiator ? c1 : c2,
      receive: this.initiator ? c2 : c1,
      handshakeHash: this.ss.h,
      remoteStatic: this.rs,
    };
  }

  /** WriteMessage(payload): the next handshake message. */
  writeMessage(payload: Uint8Array): Uint8Array {
    if (!this.isMyTurn) throw new NoiseError('NOISE_STATE', 'not our turn to write', 'local');
    const tokens = this.protocol.pattern.messages[this.index] as readonly string[];
    const parts: Uint8Array[] = [];
    for (const token of tokens) {
      if (token === 'e') {
        if (!this.e) {
          if (!this.randomBytes) throw new NoiseError('NOISE_STATE', 'no random source for the ephemeral key', 'local');
          this.e = this.protocol.dh.keyPairFrom(this.randomBytes(this.protocol.dh.dhLen));
        }
        parts.push(this.e.publicKey);
        this.ss.mixHash(this.e.publicKey);
      } else if (token === 's') {
        if (!this.s) throw new NoiseError('NOISE_STATE', 'pattern sends a static key we do not have', 'local');
        parts.push(this.ss.encryptAndHash(this.s.publicKey));
      } else {
        this.mixToken(token as 'ee' | 'es' | 'se' | 'ss');
      }
    }
    parts.push(this.ss.encryptAndHash(payload));
    this.index++;
    this.finishIfLast();
    return new Uint8Array(Buffer.concat(parts));
  }

  /** The peer's static public key, once known (pre-shared, or read from a message). */
  get remoteStatic(): Uint8Array | null {
    return this.rs;
  }

  /**
   * ReadMessage(message): the payload, or a coded error. With `keepOnFailure`, a message that
   * fails leaves this side exactly as it was (a forged packet must not end a real handshake);
   * otherwise it leaves the side unusable, as the specification says.
   */
  readMessage(message: Uint8Array, keepOnFailure = false): Uint8Array {
    if (this.done !== null || this.failed || this.index % 2 !== (this.initiator ? 1 : 0)) {
      throw new NoiseError('NOISE_STATE', 'not our turn to read', 'local');
    }
    const saved = keepOnFailure ? this.ss.snapshot() : null;
    const savedRe = this.re;
    const savedRs = this.rs;
    try {
      const tokens = this.protocol.pattern.messages[this.index] as readonly string[];
      const dhLen = this.protocol.dh.dhLen;
      let pos = 0;
      const take = (n: number): Uint8Array => {
        if (pos + n > message.length) throw new NoiseError('NOISE_BAD_MESSAGE', 'handshake message too short');
        const out = message.subarray(pos, pos + n);
        pos += n;
        return out;
      };
      for (const token of tokens) {
        if (token === 'e') {
          this.re = Uint8Array.from(take(dhLen));
          this.ss.mixHash(this.re);
        } else if (token === 's') {
          this.rs = this.ss.decryptAndHash(take(dhLen + (this.ss.cs.hasKey() ? TAG_BYTES : 0)));
        } else {
          this.mixToken(token as 'ee' | 'es' | 'se' | 'ss');
        }
      }
      const payload = this.ss.decryptAndHash(message.subarray(pos));
      this.index++;
      this.finishIfLast();
      return payload;
    } catch (e) {
      if (saved) {
        this.ss.restore(saved);
        this.re = savedRe;
        this.rs = savedRs;
      } else {
        this.failed = true;
      }
      throw e;
    }
  }
}
