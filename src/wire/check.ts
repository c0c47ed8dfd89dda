/**
 * Checks an encoder applies to values from our own code. Failures are *local* errors: the value
 * could never have been carried, so it is a bug of the caller, reported with a stable code.
 */

import { parseIp } from './address.js';
import { WireError } from './errors.js';
import { COMMAND_ID_MAX, OBJECT_ID_MAX, REQUEST_ID_MAX, type UInt, UINT64_MAX, type WireObject } from './types.js';

/**
 * Deepest nesting an encoder produces: a guard against runaway or cyclic values, well above what
 * decoders accept by default (DEFAULT_WIRE_LIMITS.maxDepth), which is the receiver's policy.
 */
export const ENCODE_DEPTH_MAX = 64;

function local(what: string): never {
  throw new WireError('WIRE_BAD_VALUE', what, 'local');
}

/** Returns `v` if it is an integer in [0, max]. */
export function checkSmall(v: unknown, max: number, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) local(`${what} must be an integer 0..${max}, got ${String(v)}`);
  return v;
}

export const checkCommand = (v: unknown): number => checkSmall(v, COMMAND_ID_MAX, 'command');
export const checkRequestId = (v: unknown): number => checkSmall(v, REQUEST_ID_MAX, 'requestId');
export const checkObjectId = (v: unknown): number => checkSmall(v, OBJECT_ID_MAX, 'object id');

/** Returns a valid UInt in normal form, or throws. */
export function checkUInt(v: unknown): UInt {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v) && v >= 0) return v;
  } else if (typeof v === 'bigint') {
    if (v >= 0n && v <= UINT64_MAX) return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }
  return local(`uint must be 0..2^64-1 (safe number or bigint), got ${String(v)}`);
}

/** Returns a valid fixed64 value, or throws. */
export function checkFixed64(v: unknown): bigint {
  if (typeof v === 'bigint' && v >= 0n && v <= UINT64_MAX) return v;
  return local(`fixed64 must be a bigint 0..2^64-1, got ${String(v)}`);
}

/** Address bytes (4 or 16) of a NetAddress, or throws. */
export function checkAddress(v: unknown): { ip: Uint8Array; port: number } {
  const a = v as { host?: unknown; port?: unknown } | null;
  const ip = a && typeof a.host === 'string' ? parseIp(a.host) : null;
  if (!ip) return local(`address host must be an IPv4 or IPv6 address without zone, got ${String(a?.host)}`);
  return { ip, port: checkSmall(a?.port, 0xffff, 'port') };
}

/** Returns `v` if it is a string that UTF-8 can carry (no lone surrogates). */
export function checkString(v: unknown): string {
  if (typeof v !== 'string' || !v.isWellFormed()) local('string must be a well-formed string (no lone surrogates)');
  return v;
}

/** Returns `v` if it is a Uint8Array. */
export function checkBlob(v: unknown): Uint8Array {
  if (!(v instanceof Uint8Array)) local('blob must be a Uint8Array');
  return v;
}

/**
 * The objects in canonical order: stably sorted by id (the list itself when already sorted).
 * `depth` is the list's nesting depth, refused beyond ENCODE_DEPTH_MAX.
 */
export function canonicalOrder(list: readonly WireObject[], depth: number): readonly WireObject[] {
  const raw: unknown = list;
  if (!Array.isArray(raw)) local('an object list must be an array');
  if (depth > ENCODE_DEPTH_MAX) local(`lists nested deeper than ${ENCODE_DEPTH_MAX}`);
  for (const o of raw) if (typeof o !== 'object' || o === null) local('an object list holds something that is not an object');
  for (let i = 1; i < list.length; i++) {
    if ((list[i] as WireObject).id < (list[i - 1] as WireObject).id) {
      return list.map((o, k) => ({ o, k })).sort((a, b) => a.o.id - b.o.id || a.k - b.k).map((x) => x.o);
    }
  }
  return list;
}
