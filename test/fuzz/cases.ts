/**
 * Fuzz cases for the total decoders, shared by `npm run fuzz` (run.ts) and the seeded share in
 * test/wire/total-decoder.test.ts: random byte strings, mutations of valid encodings, and the
 * invariants every decoded result must satisfy. Everything is drawn from a seeded PRNG, so a seed
 * and a case index replay any case.
 */

import { isDeepStrictEqual } from 'node:util';

import fc from 'fast-check';

import { type DecodeOptions, decodeMessage, encodeMessage, encodingOf, type WireEncoding } from '../../src/wire/message.js';
import { WIRE_ERROR_CODES, WireError, type WireErrorCode } from '../../src/wire/errors.js';
import { DEFAULT_WIRE_LIMITS, type WireLimits } from '../../src/wire/limits.js';
import { Prng } from '../../src/util/prng.js';
import type { WireMessage, WireObject } from '../../src/wire/types.js';
import { chainAtDepth, deepMessage, realisticMessage, wireMessage } from '../wire/arbitraries.js';

/** Longest random byte string. */
export const RANDOM_BYTES_MAX = 300;
/** Valid messages whose encodings are mutated; the same for `npm run fuzz` and `npm test`, so a case index replays in both. */
export const POOL_MESSAGES = 400;

export { Prng };

/** The PRNG seed of case `index` of a run seeded with `seed`. */
export function caseSeed(seed: number, index: number): number {
  return (Math.imul(seed ^ 0x5bd1_e995, 0x2c1b_3c6d) + Math.imul(index, 0x9e37_79b1)) >>> 0;
}

/** Valid encodings to mutate, per encoding. */
export interface Pool {
  readonly messages: readonly WireMessage[];
  readonly plain: readonly Uint8Array[];
  readonly compressed: readonly Uint8Array[];
}

/** Encodes random, realistic and deep messages (plus the deepest allowed chain) in both encodings. */
export function buildPool(seed: number, size: number): Pool {
  const share = Math.max(1, Math.floor(size / 4));
  const messages = [
    ...fc.sample(wireMessage({ nesting: 2, maxObjects: 6 }), { seed, numRuns: share }),
    ...fc.sample(wireMessage({ nesting: 0, maxObjects: 2 }), { seed: seed + 1, numRuns: share }),
    ...fc.sample(realisticMessage, { seed: seed + 2, numRuns: share }),
    ...fc.sample(deepMessage(), { seed: seed + 3, numRuns: share }),
    chainAtDepth(DEFAULT_WIRE_LIMITS.maxDepth),
    { command: 0, requestId: 0, objects: [] },
  ];
  return {
    messages,
    plain: messages.map((m) => encodeMessage(m)),
    compressed: messages.map((m) => encodeMessage(m, { compressed: true })),
  };
}

/** Values that sit on varint, type-code and header boundaries. */
const INTERESTING_BYTES = [0x00, 0x01, 0x02, 0x04, 0x06, 0x07, 0x0f, 0x7f, 0x80, 0x81, 0xfe, 0xff];

function randomByte(rng: Prng): number {
  return rng.chance(0.25) ? rng.pick(INTERESTING_BYTES) : rng.below(256);
}

function randomFill(rng: Prng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  // Half the strings use small byte values, which plain counts, keys and lengths are made of.
  const small = rng.chance(0.5);
  for (let i = 0; i < n; i++) out[i] = small ? rng.below(rng.chance(0.8) ? 16 : 256) : rng.below(256);
  return out;
}

/** A random byte string of 0..RANDOM_BYTES_MAX bytes whose first byte selects `encoding`. */
export function randomBytes(rng: Prng, encoding: WireEncoding): Uint8Array {
  const bytes = randomFill(rng, rng.below(RANDOM_BYTES_MAX + 1));
  if (bytes.length > 0) {
    if (encoding === 'compressed') bytes[0] = 0x80 + rng.below(0x80);
    else bytes[0] = rng.chance(0.9) ? 0x01 : rng.below(0x80); // mostly the valid header, or the plain decoder only sees BAD_HEADER
  }
  return bytes;
}

/** The ways a valid encoding is damaged. */
export const MUTATIONS = ['flip', 'truncate', 'insert', 'replace', 'extend', 'delete', 'duplicate', 'splice'] as const;
/** One way of damaging bytes. */
export type Mutation = (typeof MUTATIONS)[number];

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** `bytes` damaged once by `kind`; `other` is another valid encoding (for splices). */
export function mutateOnce(rng: Prng, bytes: Uint8Array, kind: Mutation, other: Uint8Array): Uint8Array {
  const n = bytes.length;
  const at = rng.below(n + 1);
  switch (kind) {
    case 'flip': {
      if (n === 0) return bytes;
      const out = bytes.slice();
      const i = rng.below(n);
      out[i] = (out[i] as number) ^ (1 << rng.below(8));
      return out;
    }
    case 'truncate':
      return n === 0 ? bytes : bytes.slice(0, rng.below(n)); // at least one byte shorter
    case 'insert':
      return concat(bytes.subarray(0, at), Uint8Array.from({ length: 1 + rng.below(4) }, () => randomByte(rng)), bytes.subarray(at));
    case 'replace': {
      if (n === 0) return bytes;
      const out = bytes.slice();
      out[rng.below(n)] = randomByte(rng);
      return out;
    }
    case 'extend':
      return concat(bytes, Uint8Array.from({ length: 1 + rng.below(16) }, () => randomByte(rng)));
    case 'delete':
      return concat(bytes.subarray(0, at), bytes.subarray(Math.min(n, at + 1 + rng.below(4))));
    case 'duplicate': {
      const end = Math.min(n, at + 1 + rng.below(8));
      return concat(bytes.subarray(0, end), bytes.subarray(at, end), bytes.subarray(end));
    }
    case 'splice':
      return concat(bytes.subarray(0, at), other.subarray(rng.below(other.length + 1)));
  }
}

/** Keeps the first byte in the range of `encoding` (mutations may move it to the other decoder). */
function keepEncoding(bytes: Uint8Array, encoding: WireEncoding): Uint8Array {
  if (bytes.length === 0 || encodingOf(bytes) === encoding) return bytes;
  const out = bytes.slice();
  out[0] = encoding === 'compressed' ? (out[0] as number) | 0x80 : (out[0] as number) & 0x7f;
  return out;
}

/** A valid encoding from the pool damaged by 1-3 mutations. */
export function mutatedBytes(rng: Prng, pool: Pool, encoding: WireEncoding): { bytes: Uint8Array; kinds: Mutation[] } {
  const sources = pool[encoding];
  let bytes = rng.pick(sources);
  const kinds: Mutation[] = [];
  const count = rng.chance(0.7) ? 1 : 2 + rng.below(2);
  for (let i = 0; i < count; i++) {
    const kind = rng.pick(MUTATIONS);
    kinds.push(kind);
    bytes = mutateOnce(rng, bytes, kind, rng.pick(sources));
  }
  return { bytes: keepEncoding(bytes, encoding), kinds };
}

/** Random limits, mostly tight, so that every limit code is reachable from small inputs. */
export function randomLimits(rng: Prng): WireLimits {
  return {
    maxDepth: 1 + rng.below(DEFAULT_WIRE_LIMITS.maxDepth),
    maxObjects: rng.below(40),
    maxStringBytes: rng.below(48),
    maxBlobBytes: rng.below(48),
    maxTotalBytes: 1 + rng.below(RANDOM_BYTES_MAX),
  };
}

/** One input for a decoder. */
export interface FuzzCase {
  readonly encoding: WireEncoding;
  /** What made it: 'random', or the mutations applied to a valid encoding. */
  readonly kind: string;
  readonly bytes: Uint8Array;
  /** Limits to decode under; default limits when absent. */
  readonly limits?: WireLimits;
}

/** Case `index` of a run: a random byte string (30%) or a mutated valid encoding, sometimes under tight limits. */
export function makeCase(seed: number, index: number, pool: Pool, encoding: WireEncoding): FuzzCase {
  const rng = new Prng(caseSeed(seed, index));
  const random = rng.chance(0.3);
  const made = random ? { bytes: randomBytes(rng, encoding), kinds: ['random'] } : mutatedBytes(rng, pool, encoding);
  const kind = made.kinds.join('+');
  return rng.chance(0.125) ? { encoding, kind, bytes: made.bytes, limits: randomLimits(rng) } : { encoding, kind, bytes: made.bytes };
}

/** Size measures of a decoded message, to compare with the limits it was decoded under. */
interface Measure {
  depth: number;
  objects: number;
  longestString: number;
  longestBlob: number;
  payloadBytes: number;
}

function measureList(list: readonly WireObject[], depth: number, m: Measure): void {
  m.depth = Math.max(m.depth, depth);
  for (const o of list) {
    m.objects++;
    if (o.type === 'list') measureList(o.value, depth + 1, m);
    else if (o.type === 'uintList') m.objects += o.value.length;
    else if (o.type === 'string') {
      const n = Buffer.byteLength(o.value, 'utf8');
      m.longestString = Math.max(m.longestString, n);
      m.payloadBytes += n;
    } else if (o.type === 'blob') {
      m.longestBlob = Math.max(m.longestBlob, o.value.length);
      m.payloadBytes += o.value.length;
    }
  }
}

/** How big a message is, in the terms of WireLimits. */
export function measure(message: WireMessage): Measure {
  const m: Measure = { depth: 0, objects: 0, longestString: 0, longestBlob: 0, payloadBytes: 0 };
  measureList(message.objects, 1, m);
  return m;
}

const DECODER_CODES: ReadonlySet<WireErrorCode> = new Set(
  WIRE_ERROR_CODES.filter((c) => c.startsWith('WIRE_') && c !== 'WIRE_INTERNAL' && c !== 'WIRE_BAD_VALUE'),
);

/** What one decode gave: 'ok' or an error code, and a description of any broken invariant. */
export interface Outcome {
  readonly result: 'ok' | WireErrorCode | 'threw';
  readonly violation: string | null;
}

function describeError(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** Checks what a decoded message must satisfy: within the limits, in normal form, canonical if plain. */
function checkDecoded(bytes: Uint8Array, m: WireMessage, limits: WireLimits): string | null {
  const size = measure(m);
  if (bytes.length > limits.maxTotalBytes) return `decoded ${bytes.length} input bytes over maxTotalBytes ${limits.maxTotalBytes}`;
  if (size.depth > limits.maxDepth) return `decoded depth ${size.depth} over maxDepth ${limits.maxDepth}`;
  if (size.objects > limits.maxObjects) return `decoded ${size.objects} objects over maxObjects ${limits.maxObjects}`;
  if (size.longestString > limits.maxStringBytes) return `decoded a ${size.longestString}-byte string over maxStringBytes ${limits.maxStringBytes}`;
  if (size.longestBlob > limits.maxBlobBytes) return `decoded a ${size.longestBlob}-byte blob over maxBlobBytes ${limits.maxBlobBytes}`;
  if (size.payloadBytes > limits.maxTotalBytes) return `decoded ${size.payloadBytes} payload bytes over maxTotalBytes ${limits.maxTotalBytes}`;
  // A decoded message is a valid value in normal form: the plain encoder takes it and the plain
  // decoder gives it back; plain input re-encodes to itself (plain is canonical).
  let plain: Uint8Array;
  try {
    plain = encodeMessage(m);
  } catch (e) {
    return `decoded message does not re-encode: ${describeError(e)}`;
  }
  if (encodingOf(bytes) === 'plain') {
    if (!Buffer.from(plain).equals(bytes)) return `plain input re-encodes to different bytes ${Buffer.from(plain).toString('hex')}`;
    return null;
  }
  const again = decodeMessage(plain);
  if (!again.ok) return `re-encoded message fails to decode: ${again.error.message}`;
  if (!isDeepStrictEqual(again.value, m)) return 'decoded message is not in normal form (plain round trip differs)';
  let compressed: Uint8Array;
  try {
    compressed = encodeMessage(m, { compressed: true });
  } catch (e) {
    return `decoded message does not re-encode compressed: ${describeError(e)}`;
  }
  const back = decodeMessage(compressed);
  if (!back.ok || !isDeepStrictEqual(back.value, m)) return 'decoded message does not survive a compressed round trip';
  return null;
}

/** Decodes `bytes` and checks every invariant of a total decoder. */
export function checkCase(bytes: Uint8Array, limits?: WireLimits): Outcome {
  const options: DecodeOptions = limits ? { limits } : {};
  let r: ReturnType<typeof decodeMessage>;
  try {
    r = decodeMessage(bytes, options);
  } catch (e) {
    return { result: 'threw', violation: `decodeMessage threw ${describeError(e)}` };
  }
  if (typeof r !== 'object' || r === null) return { result: 'threw', violation: `decodeMessage returned ${String(r)}` };
  if (r.ok) return { result: 'ok', violation: checkDecoded(bytes, r.value, limits ?? DEFAULT_WIRE_LIMITS) };
  const e: unknown = r.error;
  if (!(e instanceof WireError)) return { result: 'threw', violation: `error is not a WireError: ${describeError(e)}` };
  if (!DECODER_CODES.has(e.code)) return { result: e.code, violation: `decoder returned code ${e.code}: ${e.message}` };
  if (e.side !== 'remote') return { result: e.code, violation: `decoding error blames side ${e.side}: ${e.message}` };
  return { result: e.code, violation: null };
}

/** Per-decoder counts of a run. */
export interface Tally {
  cases: number;
  ok: number;
  errors: Partial<Record<WireErrorCode | 'threw', number>>;
}

/** An empty tally. */
export function newTally(): Tally {
  return { cases: 0, ok: 0, errors: {} };
}

/** Adds one outcome to a tally. */
export function count(t: Tally, o: Outcome): void {
  t.cases++;
  if (o.result === 'ok') t.ok++;
  else t.errors[o.result] = (t.errors[o.result] ?? 0) + 1;
}

/** Hex of bytes, for failure reports. */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
