/**
 * A binary range coder in the manner of LZMA's (carry through a cached byte, 32-bit range kept
 * >= 2^24), with three changes for short messages:
 *
 * - The coder starts on the upper half of the interval (low = range = 2^31), so the first output
 *   byte is always >= 0x80: that bit is the compressed encoding's marker, and costs one bit.
 * - LZMA's leading zero byte is not written.
 * - Raw bytes (blob contents, the random tail of addresses) bypass the coder: they are stored after
 *   the coded part in reverse order of use, so the decoder takes them from the end of the input
 *   while it reads the coded part from the start, and no length is needed.
 * - The flush leaves out up to FLUSH_STRIP_MAX of its last bytes when the bytes that follow them
 *   (the raw bytes, then zeros past the end of the input) already complete a value of the final
 *   interval: the decoder reads on into the raw bytes, and reads missing bytes as zero.
 *
 * - The range is renormalised below 2^23 (LZMA: 2^24), so it and the decoder's code value stay below
 *   2^31 and decoding runs in int32 arithmetic.
 *
 * Probabilities come from an AdaptiveTable (16-bit estimates of P(bit = 0)) and are coded with 12
 * bits of precision. The hot paths (trees, text strings) keep the coder state in locals.
 */

import { WireError } from '../errors.js';
import type { AdaptiveTable } from './adaptive-table.js';
import { HASHED_BITS, MATCH_BASE, NO_PREDICTION, PREDICTABLE_MAX, predSlot, slot, TEXT2_BASE, TEXT2_BLOCK_SHIFT, text2Slot, TEXT_BASE, textContext, TEXT_START } from './context.js';
import { advanceMatch, findMatch, MATCH_RUN_MAX, matchByte, matchContext, matchHash, type MessageHistory, NO_MATCH, type TextDictionary } from './match-model.js';

/**
 * Normalisation threshold: the range is kept at or above 2^23 (LZMA: 2^24), so that after a shift
 * it stays below 2^31 and the decoder's state fits int32 arithmetic. A decision then still has at
 * least 11 bits of precision (range >>> 12 >= 2^11).
 */
const RANGE_MIN = 0x80_0000;
/** The initial range: the upper half of the 32-bit window, less one to stay below 2^31. */
const RANGE_START = 0x7fff_ffff;
const TWO_32 = 0x1_0000_0000;
/** The decoder may read this many bytes past the input (as zeros); see the flush. */
export const FLUSH_STRIP_MAX = 4;
/** Multiplier of the hashed-slot function (context.ts `slot`, inlined here). */
const SLOT_MULTIPLIER = 0x85eb_ca6b;
const SLOT_SHIFT = 32 - HASHED_BITS;
const TEXT2_MULTIPLIER = 0x9e37_79b1;

/** The encoding side. Output goes to a growable buffer reused across messages. */
export class RangeEncoder {
  private low = 0;
  private range = 0;
  private cache = 0;
  private cacheSize = 0;
  private out: Uint8Array = new Uint8Array(1024);
  private outLen = 0;
  private raw: Uint8Array = new Uint8Array(1024);
  private rawLen = 0;
  private readonly probs: Uint16Array;

  constructor(
    readonly table: AdaptiveTable,
    private readonly predictions: Int32Array,
  ) {
    this.probs = table.probs;
  }

  /** Starts a message (after the marker bit). */
  begin(): void {
    this.low = 0x8000_0000;
    this.range = RANGE_START;
    this.cache = 0;
    this.cacheSize = 1;
    this.outLen = 0;
    this.rawLen = 0;
  }

  /** Stores bytes [start, end) of `bytes` raw, outside the coded part. */
  rawBytes(bytes: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (this.rawLen + n > this.raw.length) {
      const next = new Uint8Array(Math.max(this.raw.length * 2, this.rawLen + n));
      next.set(this.raw.subarray(0, this.rawLen));
      this.raw = next;
    }
    this.raw.set(bytes.subarray(start, end), this.rawLen);
    this.rawLen += n;
  }

  /** The k-th byte after the coded part: raw bytes last-used first, then zeros. */
  private following(k: number): number {
    return k < this.rawLen ? (this.raw[this.rawLen - 1 - k] as number) : 0;
  }

  private put(b: number): void {
    if (this.outLen === this.out.length) {
      const next = new Uint8Array(this.out.length * 2);
      next.set(this.out);
      this.out = next;
    }
    this.out[this.outLen++] = b;
  }

  private shiftLow(): void {
    const low = this.low;
    if (low < 0xff00_0000 || low >= TWO_32) {
      const carry = low >= TWO_32 ? 1 : 0;
      let b = this.cache;
      do {
        this.put((b + carry) & 0xff);
        b = 0xff;
      } while (--this.cacheSize !== 0);
      this.cache = Math.floor(low / 0x100_0000) & 0xff;
    }
    this.cacheSize++;
    this.low = (low % 0x100_0000) * 256;
  }

  private code(p: number, bit: number): void {
    const bound = (this.range >>> 12) * (p >>> 4);
    if (bit === 0) {
      this.range = bound;
    } else {
      this.low += bound;
      this.range -= bound;
    }
    while (this.range < RANGE_MIN) {
      this.range = (this.range * 256) >>> 0;
      this.shiftLow();
    }
  }

  /** Codes `bit` under the static probability at `slot`. */
  bit(slot: number, bit: number): void {
    this.code(this.probs[slot] as number, bit);
  }

  /**
   * Codes the low `nbits` (<= 8) bits of `value`, top first, each under its node of tree `h`; if
   * the tree has a trained prediction, first whether `value` is it (one decision on a hit).
   */
  tree(h: number, nbits: number, value: number): void {
    if (this.predict(h, value)) return;
    let node = 1;
    for (let i = nbits - 1; i >= 0; i--) {
      const b = (value >>> i) & 1;
      this.code(this.probs[Math.imul(h ^ node, SLOT_MULTIPLIER) >>> SLOT_SHIFT] as number, b);
      node = (node << 1) | b;
    }
  }

  /** Codes `bit` under the adaptive probability at `slot`, then moves it towards `bit`. */
  adaptiveBit(slot: number, bit: number): void {
    this.code(this.probs[slot] as number, bit);
    this.table.update(slot, bit);
  }

  /** Codes a text byte under the order-2 context (prev2, prev1) where trained, else order 1. */
  textByte(prev2: number, prev1: number, byte: number): void {
    const base = TEXT_BASE + prev1 * 256;
    let node = 1;
    for (let i = 7; i >= 0; i--) {
      const b = (byte >>> i) & 1;
      const s2 = text2Slot(prev2, prev1, node);
      const s = this.probs[s2] !== 0 ? s2 : base + node;
      this.code(this.probs[s] as number, b);
      node = (node << 1) | b;
    }
  }

  /** Codes whether `symbol` is context `h`'s trained prediction, if it has one; true on a hit. */
  predict(h: number, symbol: number, excluded = NO_PREDICTION): boolean {
    const guess = this.predictions[predSlot(h)] as number;
    if (guess === NO_PREDICTION || guess === excluded) return false;
    const hit = guess === symbol ? 1 : 0;
    this.code(this.probs[slot(h, 0)] as number, hit);
    return hit === 1;
  }

  /** Codes `value` (0 <= value < 2^bits, bits <= 16) with every value equally likely. */
  uniform(value: number, bits: number): void {
    const r = this.range >>> bits;
    this.low += value * r;
    this.range = r;
    while (this.range < RANGE_MIN) {
      this.range = (this.range * 256) >>> 0;
      this.shiftLow();
    }
  }

  /** Ends the message and returns a copy of its bytes (the leading LZMA zero byte left out). */
  finish(): Uint8Array {
    // The final value V must lie in [low, low + range). Leaving out its last j bytes makes the
    // decoder read the j bytes that follow instead; take the largest j for which some V ends in them.
    let v = this.low;
    let dropped = 0;
    for (let j = FLUSH_STRIP_MAX; j > 0; j--) {
      const step = 256 ** j;
      let tail = 0;
      for (let k = 0; k < j; k++) tail = tail * 256 + this.following(k);
      let candidate = Math.floor(this.low / step) * step + tail;
      if (candidate < this.low) candidate += step;
      if (candidate < this.low + this.range) {
        v = candidate;
        dropped = j;
        break;
      }
    }
    this.low = v;
    for (let i = 0; i < 5; i++) this.shiftLow();
    // out[0] is LZMA's leading byte, always 0 here because the interval never passes 2^32.
    const coded = this.outLen - 1 - dropped;
    const message = new Uint8Array(coded + this.rawLen);
    message.set(this.out.subarray(1, 1 + coded));
    for (let k = 0; k < this.rawLen; k++) message[coded + k] = this.raw[this.rawLen - 1 - k] as number;
    return message;
  }
}

/** The decoding side: a bounded reader over untrusted bytes. */
export class RangeDecoder {
  private code = 0;
  private range = 0;
  private buf: Uint8Array = new Uint8Array(0);
  private readonly probs: Uint16Array;
  /** Bytes consumed by the coded part, counting the zeros read past the end of the input. */
  pos = 0;
  /** Index of the next raw byte (raw bytes are taken from the end backwards). */
  private rawPos = 0;

  constructor(
    readonly table: AdaptiveTable,
    private readonly predictions: Int32Array,
  ) {
    this.probs = table.probs;
  }

  /** Starts on a message whose first byte is >= 0x80 (the marker bit). */
  begin(buf: Uint8Array): void {
    this.buf = buf;
    this.pos = 0;
    this.rawPos = buf.length - 1;
    let code = 0;
    for (let i = 0; i < 4; i++) code = code * 256 + this.next();
    this.code = code - 0x8000_0000;
    this.range = RANGE_START;
    if (this.code >= RANGE_START) throw new WireError('WIRE_CORRUPT', 'code value outside the interval', 'remote', 0);
  }

  private next(): number {
    const p = this.pos++;
    if (p < this.buf.length) return this.buf[p] as number;
    if (p >= this.buf.length + FLUSH_STRIP_MAX) throw new WireError('WIRE_TRUNCATED', 'compressed message ends early', 'remote', this.buf.length);
    return 0;
  }

  private normalize(): void {
    do {
      this.range = this.range << 8;
      this.code = (this.code << 8) | this.next();
    } while (this.range < RANGE_MIN);
  }

  private decode(p: number): number {
    const bound = Math.imul(this.range >>> 12, p >>> 4);
    let bit: number;
    if (this.code < bound) {
      this.range = bound;
      bit = 0;
    } else {
      this.code -= bound;
      this.range -= bound;
      bit = 1;
    }
    if (this.range < RANGE_MIN) this.normalize();
    return bit;
  }

  /** Decodes one bit under the static probability at `slot`. */
  bit(slot: number): number {
    return this.decode(this.probs[slot] as number);
  }

  /** Decodes `nbits` bits coded by RangeEncoder.tree. Coder state stays in locals (hot path). */
  tree(h: number, nbits: number): number {
    const guess = this.predicted(h, NO_PREDICTION, (1 << nbits) - 1);
    if (guess !== NO_PREDICTION) return guess;
    const probs = this.probs;
    let range = this.range;
    let code = this.code;
    let node = 1;
    for (let i = 0; i < nbits; i++) {
      const bound = Math.imul(range >>> 12, (probs[Math.imul(h ^ node, SLOT_MULTIPLIER) >>> SLOT_SHIFT] as number) >>> 4);
      if (code < bound) {
        range = bound;
        node <<= 1;
      } else {
        code -= bound;
        range -= bound;
        node = (node << 1) | 1;
      }
      while (range < RANGE_MIN) {
        range = range << 8;
        code = (code << 8) | this.next();
      }
    }
    this.range = range;
    this.code = code;
    return node - (1 << nbits);
  }

  /**
   * Decodes a prediction coded by RangeEncoder.predict: the symbol on a hit, else NO_PREDICTION.
   * Predictions sit in a hashed table, so a context may find another's; an encoder never codes a
   * hit for a guess above what its decision can take (`maxSymbol`), so such a hit is corrupt input.
   */
  predicted(h: number, excluded = NO_PREDICTION, maxSymbol = PREDICTABLE_MAX): number {
    const guess = this.predictions[predSlot(h)] as number;
    if (guess === NO_PREDICTION || guess === excluded) return NO_PREDICTION;
    if (this.decode(this.probs[slot(h, 0)] as number) !== 1) return NO_PREDICTION;
    if (guess > maxSymbol) throw new WireError('WIRE_CORRUPT', 'a prediction out of range', 'remote', Math.min(this.pos, this.buf.length));
    return guess;
  }

  /**
   * Decodes the `n` bytes of a string into `out`, as codec.ts encodeString codes them: per byte
   * the match model's prediction and whether it holds, and on a miss a text byte. One loop with
   * the coder state in locals (this is most of the decoding time of text). Returns the OR of the
   * bytes (below 0x80: ASCII).
   */
  decodeText(out: Uint8Array, n: number, history: MessageHistory, dictionary: TextDictionary): number {
    const probs = this.probs;
    const table = this.table;
    let range = this.range;
    let code = this.code;
    let context = 0;
    let run = 0;
    let match = NO_MATCH;
    let prev = TEXT_START;
    let prev2 = TEXT_START;
    let high = 0;
    history.beginString(n);
    for (let i = 0; i < n; i++) {
      const h = matchHash(context);
      match = findMatch(match, h, history, dictionary);
      const guess = match === NO_MATCH ? NO_MATCH : matchByte(match, history, dictionary);
      let b = -1;
      if (guess !== NO_MATCH) {
        const s = MATCH_BASE + matchContext(guess, run);
        const bound = Math.imul(range >>> 12, (probs[s] as number) >>> 4);
        let bit: number;
        if (code < bound) {
          range = bound;
          bit = 0;
        } else {
          code -= bound;
          range -= bound;
          bit = 1;
        }
        while (range < RANGE_MIN) {
          range = range << 8;
          code = (code << 8) | this.next();
        }
        table.update(s, bit);
        if (bit === 1) {
          b = guess & 0xff;
          if (run < MATCH_RUN_MAX) run++;
        } else {
          run = 0;
        }
        match = advanceMatch(match, bit === 1, dictionary);
      }
      if (b < 0) {
        const h2 = textContext(prev2, prev);
        const guess2 = this.predictions[predSlot(h2)] as number;
        if (guess2 !== NO_PREDICTION && guess2 !== (guess & 0xff)) {
          const bound = Math.imul(range >>> 12, (probs[slot(h2, 0)] as number) >>> 4);
          if (code < bound) {
            range = bound;
          } else {
            code -= bound;
            range -= bound;
            if (guess2 > 0xff) throw new WireError('WIRE_CORRUPT', 'a text prediction out of range', 'remote', Math.min(this.pos, this.buf.length));
            b = guess2;
          }
          while (range < RANGE_MIN) {
            range = range << 8;
            code = (code << 8) | this.next();
          }
        }
      }
      if (b < 0) {
        // The miss path: order-2 slots (per nibble block, context.ts text2Slot) where trained, else order 1.
        const base = TEXT_BASE + prev * 256;
        const key = prev2 | (prev << 9);
        let block = TEXT2_BASE + ((Math.imul(key, TEXT2_MULTIPLIER) >>> TEXT2_BLOCK_SHIFT) << 4);
        let node = 1;
        let low = 0;
        for (let k = 0; k < 8; k++) {
          if (k === 4) {
            block = TEXT2_BASE + ((Math.imul(key | (node << 18), TEXT2_MULTIPLIER) >>> TEXT2_BLOCK_SHIFT) << 4);
            low = 1;
          }
          const s2 = block + (k < 4 ? node : low);
          const s = probs[s2] !== 0 ? s2 : base + node;
          const bound = Math.imul(range >>> 12, (probs[s] as number) >>> 4);
          let bit = 0;
          if (code < bound) {
            range = bound;
          } else {
            code -= bound;
            range -= bound;
            bit = 1;
          }
          node = (node << 1) | bit;
          low = (low << 1) | bit;
          while (range < RANGE_MIN) {
            range = range << 8;
            code = (code << 8) | this.next();
          }
        }
        b = node & 0xff;
      }
      history.remember(h, history.length);
      history.append(b);
      context = ((context << 8) | b) >>> 0;
      prev2 = prev;
      prev = b;
      out[i] = b;
      high |= b;
    }
    this.range = range;
    this.code = code;
    return high;
  }

  /** Decodes a value coded by `RangeEncoder.uniform` with the same `bits`. */
  uniform(bits: number): number {
    const r = this.range >>> bits;
    const value = (this.code / r) | 0;
    if (value >>> bits !== 0) throw new WireError('WIRE_CORRUPT', 'code value outside the interval', 'remote', Math.min(this.pos, this.buf.length));
    this.code -= value * r;
    this.range = r;
    if (this.range < RANGE_MIN) this.normalize();
    return value;
  }

  /** Takes `n` raw bytes into `out` at `start`. */
  rawBytes(out: Uint8Array, start: number, n: number): void {
    if (n > this.rawPos + 1) throw new WireError('WIRE_TRUNCATED', 'raw bytes missing', 'remote', 0);
    const buf = this.buf;
    let at = this.rawPos;
    for (let i = 0; i < n; i++) out[start + i] = buf[at--] as number;
    this.rawPos = at;
  }

  /**
   * Checks that the input held exactly the message: the coded part and the raw bytes meet, the
   * coded part having read at most FLUSH_STRIP_MAX bytes on into the raw bytes or past the end.
   */
  end(): void {
    const codedEnd = this.rawPos + 1;
    if (this.pos < codedEnd) {
      throw new WireError('WIRE_TRAILING_BYTES', `${codedEnd - this.pos} bytes between the coded part and the raw bytes`, 'remote', this.pos);
    }
    if (this.pos > codedEnd + FLUSH_STRIP_MAX) throw new WireError('WIRE_CORRUPT', 'coded part and raw bytes overlap', 'remote', codedEnd);
  }
}
