/**
 * Binary trees and unsigned integers under the model, and the coder interfaces. An integer is
 * first offered to its context's trained prediction; otherwise it is coded as its bit length
 * (0..64, a 7-bit tree) and then the bits below its leading one: the top UINT_MODELLED_BITS
 * (WIDE_UINT_MODELLED_BITS for wide integers) through chained 8-bit trees, so small values and the
 * high bits of timestamps are learnt, the rest as uniform bits. Each encoder function has its
 * decoder mirror right below it.
 */

import { WireError } from '../errors.js';
import type { UInt } from '../types.js';
import type { MessageHistory, TextDictionary } from './match-model.js';
import { mix, NO_PREDICTION, PREDICTABLE_MAX, TAG, UINT_MODELLED_BITS, WIDE_UINT_BITS, WIDE_UINT_MODELLED_BITS } from './context.js';

/** What the model writes to: a range encoder, or the priors trainer's counter. */
export interface BitEncoder {
  /** One bit under a static slot. */
  bit(slot: number, bit: number): void;
  /** One bit under an adaptive slot: its probability moves towards each bit coded. */
  adaptiveBit(slot: number, bit: number): void;
  /** The low `nbits` (<= 8) bits of `value`, top bit first, each under its node of tree `h`. */
  tree(h: number, nbits: number, value: number): void;
  /** A text byte after bytes prev2, prev1 (256 = before the string). */
  textByte(prev2: number, prev1: number, byte: number): void;
  /** `bits` (<= 16) uniform bits. */
  uniform(value: number, bits: number): void;
  /** Bytes [start, end) stored raw, outside the coded part. */
  rawBytes(bytes: Uint8Array, start: number, end: number): void;
  /**
   * If context `h` has a trained prediction, codes whether `symbol` is it and returns true on a
   * hit (nothing more need be coded); false when there is no prediction or it missed. A prediction
   * equal to `excluded` (known not to be the symbol) is skipped without coding anything.
   */
  predict(h: number, symbol: number, excluded?: number): boolean;
}

/** What the model reads from. */
export interface BitDecoder {
  bit(slot: number): number;
  tree(h: number, nbits: number): number;
  /** The `n` bytes of a string coded by codec.ts encodeString; returns the OR of the bytes. */
  decodeText(out: Uint8Array, n: number, history: MessageHistory, dictionary: TextDictionary): number;
  uniform(bits: number): number;
  /** `n` raw bytes into `out` at `start`. */
  rawBytes(out: Uint8Array, start: number, n: number): void;
  /** The predicted symbol of context `h` if it was coded as a hit, else NO_PREDICTION; a hit above `maxSymbol` is corrupt input. */
  predicted(h: number, excluded?: number, maxSymbol?: number): number;
}

/** Codes the low `nbits` (<= 8) bits of `value` under tree `h`. */
export function encodeTree(e: BitEncoder, h: number, nbits: number, value: number): void {
  e.tree(h, nbits, value);
}

/** Decodes `nbits` bits coded by encodeTree. */
export function decodeTree(d: BitDecoder, h: number, nbits: number): number {
  return d.tree(h, nbits);
}

const TWO_32 = 0x1_0000_0000;

/** Bits [from, from + count) of the 64-bit value hi:lo, count <= 16. */
function bitsAt(hi: number, lo: number, from: number, count: number): number {
  let v: number;
  if (from >= 32) v = hi >>> (from - 32);
  else if (from === 0) v = lo;
  else v = (lo >>> from) | (hi << (32 - from));
  return (v & ((1 << count) - 1)) >>> 0;
}

/** Bit length of hi:lo (0 for zero). */
function bitLength(hi: number, lo: number): number {
  return hi !== 0 ? 64 - Math.clz32(hi) : 32 - Math.clz32(lo);
}

/** Codes hi:lo (two uint32 halves) under context `h`. */
export function encodeUInt64(e: BitEncoder, h: number, hi: number, lo: number): void {
  if (e.predict(mix(h, TAG.predict), hi === 0 && lo <= PREDICTABLE_MAX ? lo : PREDICTABLE_MAX + 1)) return;
  const length = bitLength(hi, lo);
  encodeTree(e, mix(h, TAG.uintLength), 7, length);
  let pos = length - 1;
  let modelled = Math.min(pos, length > WIDE_UINT_BITS ? WIDE_UINT_MODELLED_BITS : UINT_MODELLED_BITS);
  // Modelled bits in chunks of 8, each chunk's context chained from the ones above it.
  let hc = mix(mix(h, TAG.uintHigh), length);
  while (modelled > 0) {
    const n = modelled < 8 ? modelled : 8;
    const v = bitsAt(hi, lo, pos - n, n);
    encodeTree(e, hc, n, v);
    hc = mix(hc, v + 256);
    pos -= n;
    modelled -= n;
  }
  while (pos > 0) {
    const n = pos < 16 ? pos : 16;
    e.uniform(bitsAt(hi, lo, pos - n, n), n);
    pos -= n;
  }
}

/** Decodes an integer coded by encodeUInt64, in UInt normal form. */
export function decodeUInt(d: BitDecoder, h: number): UInt {
  const guess = d.predicted(mix(h, TAG.predict));
  if (guess !== NO_PREDICTION) return guess;
  const length = decodeTree(d, mix(h, TAG.uintLength), 7);
  if (length > 64) throw new WireError('WIRE_CORRUPT', `integer of ${length} bits`, 'remote');
  if (length <= 1) return length;
  let pos = length - 1;
  let modelled = Math.min(pos, length > WIDE_UINT_BITS ? WIDE_UINT_MODELLED_BITS : UINT_MODELLED_BITS);
  let hi = 0;
  let lo = 1;
  let hc = mix(mix(h, TAG.uintHigh), length);
  while (pos > 0) {
    let n: number;
    let v: number;
    if (modelled > 0) {
      n = modelled < 8 ? modelled : 8;
      v = decodeTree(d, hc, n);
      hc = mix(hc, v + 256);
      modelled -= n;
    } else {
      n = pos < 16 ? pos : 16;
      v = d.uniform(n);
    }
    hi = ((hi << n) | (lo >>> (32 - n))) >>> 0;
    lo = ((lo << n) | v) >>> 0;
    pos -= n;
  }
  if (length <= 53) return hi * TWO_32 + lo;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Codes a UInt in normal form (or any valid UInt) under context `h`. */
export function encodeUInt(e: BitEncoder, h: number, v: UInt): void {
  if (typeof v === 'number') encodeUInt64(e, h, Math.floor(v / TWO_32), v % TWO_32);
  else encodeUInt64(e, h, Number(v >> 32n), Number(v & 0xffff_ffffn));
}

/** Bit length of a safe non-negative integer. */
export function numberBitLength(v: number): number {
  return v < TWO_32 ? 32 - Math.clz32(v) : 64 - Math.clz32(Math.floor(v / TWO_32));
}
