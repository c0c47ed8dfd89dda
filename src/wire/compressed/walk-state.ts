/**
 * What the encoder and decoder remember while walking one message: earlier strings, blobs and
 * addresses (for repeats and shared prefixes), the last port, the last large integer of each
 * field and of the message (for differences), the text match history, and, when decoding, what is
 * left of the limits. One instance per coder, reset per message: walking allocates nothing for it.
 */

import { WireError } from '../errors.js';
import type { WireLimits } from '../limits.js';
import type { UInt } from '../types.js';
import { ADDRESS_WINDOW, FIELD_REF_MIN_BITS, GLOBAL_REF_MIN_BITS, REPEAT_WINDOW } from './context.js';
import type { MessageHistory, TextDictionary } from './match-model.js';
import { numberBitLength } from './numbers.js';

/** log2 of the per-field reference table's size. */
const FIELD_REF_BITS = 10;
/** Fields remembered per message; later ones are simply not remembered (both sides alike). */
export const FIELD_REFS_MAX = (1 << FIELD_REF_BITS) * 0.75;
/** Slots probed before a lookup or insertion gives up. */
const FIELD_REF_PROBES_MAX = 8;

/** The last large integer of each field context, in a table that is cleared by an epoch. */
export class FieldRefs {
  private readonly keys = new Int32Array(1 << FIELD_REF_BITS);
  private readonly values = new Float64Array(1 << FIELD_REF_BITS);
  private readonly stamps = new Uint32Array(1 << FIELD_REF_BITS);
  private epoch = 1;
  private size = 0;

  clear(): void {
    this.size = 0;
    this.epoch = (this.epoch + 1) >>> 0;
    if (this.epoch === 0) {
      this.stamps.fill(0);
      this.epoch = 1;
    }
  }

  /** The remembered value of context `c`, or -1. */
  get(c: number): number {
    let i = Math.imul(c, 0x9e37_79b1) >>> (32 - FIELD_REF_BITS);
    for (let probe = 0; probe < FIELD_REF_PROBES_MAX; probe++) {
      if (this.stamps[i] !== this.epoch) return -1;
      if (this.keys[i] === (c | 0)) return this.values[i] as number;
      i = (i + 1) & ((1 << FIELD_REF_BITS) - 1);
    }
    return -1;
  }

  set(c: number, v: number): void {
    let i = Math.imul(c, 0x9e37_79b1) >>> (32 - FIELD_REF_BITS);
    for (let probe = 0; probe < FIELD_REF_PROBES_MAX; probe++) {
      if (this.stamps[i] !== this.epoch) {
        if (this.size >= FIELD_REFS_MAX) return;
        this.stamps[i] = this.epoch;
        this.keys[i] = c;
        this.values[i] = v;
        this.size++;
        return;
      }
      if (this.keys[i] === (c | 0)) {
        this.values[i] = v;
        return;
      }
      i = (i + 1) & ((1 << FIELD_REF_BITS) - 1);
    }
  }
}

/** The walk state shared by both sides. */
export class WalkState {
  readonly strings: string[] = [];
  readonly blobs: Uint8Array[] = [];
  readonly addresses4: Uint8Array[] = [];
  readonly addresses6: Uint8Array[] = [];
  readonly fieldRefs = new FieldRefs();
  lastPort = -1;
  /** The last integer >= 2^GLOBAL_REF_MIN_BITS of the message; -1 before the first. */
  globalRef = -1;

  constructor(
    readonly dictionary: TextDictionary,
    readonly history: MessageHistory,
  ) {}

  /** Starts a message. */
  begin(): void {
    this.strings.length = 0;
    this.blobs.length = 0;
    this.addresses4.length = 0;
    this.addresses6.length = 0;
    this.fieldRefs.clear();
    this.lastPort = -1;
    this.globalRef = -1;
    this.history.begin();
  }

  /** Appends `v` to a window of earlier values, dropping the oldest beyond `size`. */
  remember<T>(window: T[], v: T, size = REPEAT_WINDOW): void {
    if (window.length === size) window.shift();
    window.push(v);
  }

  /** Remembers an address for later shared prefixes. */
  rememberAddress(window: Uint8Array[], ip: Uint8Array): void {
    this.remember(window, ip, ADDRESS_WINDOW);
  }

  /** Remembers a large integer for later differences. */
  rememberNumber(c: number, v: UInt): void {
    if (typeof v !== 'number') return;
    const bits = numberBitLength(v);
    if (bits >= FIELD_REF_MIN_BITS) this.fieldRefs.set(c, v);
    if (bits >= GLOBAL_REF_MIN_BITS) this.globalRef = v;
  }
}

/** The decoder's walk state: also what is left of the limits. */
export class DecodeWalk extends WalkState {
  limits: WireLimits | null = null;
  objectsLeft = 0;
  bytesLeft = 0;

  /** Starts decoding a message under `limits`. */
  beginDecode(limits: WireLimits): void {
    this.begin();
    this.limits = limits;
    this.objectsLeft = limits.maxObjects;
    this.bytesLeft = limits.maxTotalBytes;
  }

  get limit(): WireLimits {
    if (this.limits === null) throw new WireError('WIRE_INTERNAL', 'decoding without limits', 'local');
    return this.limits;
  }

  spendObjects(n: number): void {
    if (n > this.objectsLeft) throw new WireError('WIRE_LIMIT_OBJECTS', `more than ${this.limit.maxObjects} objects`, 'remote');
    this.objectsLeft -= n;
  }

  spendBytes(n: number, max: number, code: 'WIRE_LIMIT_STRING' | 'WIRE_LIMIT_BLOB'): void {
    if (n > max) throw new WireError(code, `length ${n} exceeds ${max}`, 'remote');
    if (n > this.bytesLeft) throw new WireError('WIRE_LIMIT_SIZE', `decoded size exceeds ${this.limit.maxTotalBytes} bytes`, 'remote');
    this.bytesLeft -= n;
  }
}
