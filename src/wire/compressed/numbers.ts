/**
 * Binary trees and unsigned integers under the model. An integer is coded as its bit length
 * (0..64, a 7-bit tree) and then the bits below its leading one: the top UINT_MODELLED_BITS through
 * two modelled trees (so small values and the high bits of timestamps are learnt), the rest as
 * uniform bits. Each encoder function has its decoder mirror right below it.
 */

import { WireError } from '../errors.js';
import type { UInt } from '../types.js';
import { mix, slot, TAG, UINT_MODELLED_BITS } from './context.js';

/** What the model writes to: a range encoder, or the priors trainer's counter. */
export interface BitEncoder {
  bit(slot: number, bit: number): void;
  /** A text bit: under the order-2 slot if it is trained, else under the order-1 slot. */
  textBit(slot2: number, slot1: number, bit: number): void;
  uniform(value: number, bits: number): void;
}

/** What the model reads from. */
export interface BitDecoder {
  bit(slot: number): number;
  textBit(slot2: number, slot1: number): number;
  uniform(bits: number): number;
}

/** Codes the low `nbits` (<= 8) bits of `value`, top bit first, each under its tree node. */
export function encodeTree(e: BitEncoder, h: number, nbits: number, value: number): void {
  let node = 1;
  for (let i = nbits - 1; i >= 0; i--) {
    const b = (value >>> i) & 1;
    e.bit(slot(h, node), b);
    node = (node << 1) | b;
  }
}

export function decodeTree(d: BitDecoder, h: number, nbits: number): number {
  let node = 1;
  for (let i = 0; i < nbits; i++) node = (node << 1) | d.bit(slot(h, node));
  return node - (1 << nbits);
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
  const length = bitLength(hi, lo);
  encodeTree(e, mix(h, TAG.uintLength), 7, length);
  let pos = length - 1;
  let modelled = Math.min(pos, UINT_MODELLED_BITS);
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
  const length = decodeTree(d, mix(h, TAG.uintLength), 7);
  if (length > 64) throw new WireError('WIRE_CORRUPT', `integer of ${length} bits`, 'remote');
  if (length <= 1) return length;
  let pos = length - 1;
  let modelled = Math.min(pos, UINT_MODELLED_BITS);
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
