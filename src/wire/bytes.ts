/**
 * Byte-level reading and writing shared by the encodings: a growable writer and a bounded reader
 * with canonical LEB128 varints (minimal length, at most 2^64-1).
 */

import { VARINT_MAX_BYTES } from './constants.js';
import { WireError } from './errors.js';
import type { UInt } from './types.js';

const TWO_32 = 0x1_0000_0000;

/** A growable byte buffer. */
export class ByteWriter {
  buf: Buffer;
  pos = 0;
  constructor(initialBytes = 256) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** A LEB128 varint of a valid UInt (checked by the caller). */
  varint(v: UInt): void {
    this.ensure(VARINT_MAX_BYTES);
    if (typeof v === 'number') {
      while (v >= 0x80) {
        this.buf[this.pos++] = (v % 0x80) | 0x80;
        v = Math.floor(v / 0x80);
      }
      this.buf[this.pos++] = v;
      return;
    }
    while (v >= 0x80n) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  /** A UTF-8 string prefixed by its byte length. */
  lengthPrefixedString(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.varint(n);
    this.ensure(n);
    this.pos += this.buf.write(s, this.pos, n, 'utf8');
  }

  /** A copy of what was written. */
  finish(): Uint8Array {
    return new Uint8Array(this.buf.subarray(0, this.pos));
  }
}

/** A bounded reader over untrusted bytes; every failure is a remote WireError. */
export class ByteReader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start = 0,
  ) {
    this.pos = start;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  fail(code: ConstructorParameters<typeof WireError>[0], what: string): never {
    throw new WireError(code, what, 'remote', this.pos);
  }

  byte(): number {
    if (this.pos >= this.buf.length) this.fail('WIRE_TRUNCATED', 'message ends early');
    return this.buf[this.pos++] as number;
  }

  take(n: number): Buffer {
    if (n > this.remaining) this.fail('WIRE_TRUNCATED', `needs ${n} bytes, ${this.remaining} left`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A canonical varint as a UInt in normal form. */
  varint(): UInt {
    const start = this.pos;
    let lo = 0;
    let shift = 1;
    // Up to 7 bytes (49 bits) the value is an exact double.
    for (let i = 0; i < 7; i++) {
      const b = this.byte();
      lo += (b & 0x7f) * shift;
      if (b < 0x80) {
        if (b === 0 && i > 0) this.failAt(start, 'WIRE_BAD_VARINT', 'varint is not minimal');
        return lo;
      }
      shift *= 0x80;
    }
    let v = BigInt(lo);
    let bshift = 49n;
    for (let i = 7; i < VARINT_MAX_BYTES; i++) {
      const b = this.byte();
      v |= BigInt(b & 0x7f) << bshift;
      if (b < 0x80) {
        if (b === 0) this.failAt(start, 'WIRE_BAD_VARINT', 'varint is not minimal');
        if (i === VARINT_MAX_BYTES - 1 && b > 1) this.failAt(start, 'WIRE_BAD_VARINT', 'varint exceeds 2^64-1');
        return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
      }
      bshift += 7n;
    }
    return this.failAt(start, 'WIRE_BAD_VARINT', 'varint longer than 10 bytes');
  }

  /** A varint that must be a number no larger than `max`. */
  smallVarint(max: number, code: ConstructorParameters<typeof WireError>[0], what: string): number {
    const start = this.pos;
    const v = this.varint();
    if (typeof v !== 'number' || v > max) this.failAt(start, code, `${what} exceeds ${max}`);
    return v;
  }

  failAt(offset: number, code: ConstructorParameters<typeof WireError>[0], what: string): never {
    throw new WireError(code, what, 'remote', offset);
  }
}

/** Splits a UInt into its high and low 32-bit halves. */
export function uintHalves(v: UInt): [hi: number, lo: number] {
  if (typeof v === 'number') return [Math.floor(v / TWO_32), v % TWO_32];
  return [Number(v >> 32n), Number(v & 0xffff_ffffn)];
}
