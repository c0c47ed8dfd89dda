/**
 * What every format of the codec benchmark provides, and the equality used to check round trips.
 */

import type { WireMessage } from '../../src/wire/index.js';

/**
 * One format. `encode(m)` is `encodeValue(prepare(m))`: `prepare` builds the format's own
 * in-memory value of a message (an application speaking that format would hold it already, so the
 * bench does not time it), `encodeValue` is the encoder proper (timed). `decode` is the format's
 * decoder proper (timed), up to the value an application would use.
 */
export interface Codec {
  readonly name: string;
  prepare(m: WireMessage): unknown;
  encodeValue(value: unknown): Uint8Array;
  encode(m: WireMessage): Uint8Array;
  decode(bytes: Uint8Array): unknown;
  /** Compares a decoded value with the message encoded; the first difference, or null if equal. */
  check(m: WireMessage, decoded: unknown): string | null;
}

/** Builds a codec from its parts; `encode` is their composition. */
export function codec<V>(parts: {
  name: string;
  prepare(m: WireMessage): V;
  encodeValue(value: V): Uint8Array;
  decode(bytes: Uint8Array): unknown;
  check(m: WireMessage, decoded: unknown): string | null;
}): Codec {
  return {
    name: parts.name,
    prepare: (m) => parts.prepare(m),
    encodeValue: (v) => parts.encodeValue(v as V),
    encode: (m) => parts.encodeValue(parts.prepare(m)),
    decode: (b) => parts.decode(b),
    check: (m, d) => parts.check(m, d),
  };
}

/**
 * Deep equality of decoded values: numbers and bigints by value, byte arrays by content, Maps by
 * entries, arrays by position, plain objects by own keys. Returns the path of the first
 * difference, or null.
 */
export function difference(actual: unknown, expected: unknown, path = '$'): string | null {
  if ((typeof actual === 'number' || typeof actual === 'bigint') && (typeof expected === 'number' || typeof expected === 'bigint')) {
    const a = exactInteger(actual);
    const e = exactInteger(expected);
    const same = typeof actual === 'number' && typeof expected === 'number' ? actual === expected : a !== null && a === e;
    return same ? null : `${path}: ${String(actual)} != ${String(expected)}`;
  }
  if (actual instanceof Uint8Array && expected instanceof Uint8Array) {
    return Buffer.compare(asBuffer(actual), asBuffer(expected)) === 0 ? null : `${path}: bytes differ`;
  }
  if (actual instanceof Map && expected instanceof Map) {
    if (actual.size !== expected.size) return `${path}: ${actual.size} entries != ${expected.size}`;
    for (const [k, v] of expected) {
      if (!actual.has(k)) return `${path}: no key ${String(k)}`;
      const d = difference(actual.get(k), v, `${path}[${String(k)}]`);
      if (d) return d;
    }
    return null;
  }
  if (Array.isArray(actual) && Array.isArray(expected)) {
    if (actual.length !== expected.length) return `${path}: length ${actual.length} != ${expected.length}`;
    for (let i = 0; i < expected.length; i++) {
      const d = difference(actual[i], expected[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (isPlainObject(actual) && isPlainObject(expected)) {
    const keys = Object.keys(expected);
    if (Object.keys(actual).length !== keys.length) return `${path}: keys ${Object.keys(actual).join()} != ${keys.join()}`;
    for (const k of keys) {
      const d = difference(actual[k], expected[k], `${path}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return actual === expected ? null : `${path}: ${describe(actual)} != ${describe(expected)}`;
}

function exactInteger(v: number | bigint): bigint | null {
  return typeof v === 'bigint' ? v : Number.isInteger(v) ? BigInt(v) : null;
}

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Map);
}

function describe(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : typeof v === 'object' && v !== null ? (v.constructor?.name ?? 'object') : String(v);
}
