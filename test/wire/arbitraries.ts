/**
 * fast-check arbitraries for wire messages in *normal form* — the form decoders return: uints are
 * safe-integer numbers up to 2^53-1 and bigints above, hosts are canonical text (formatIp), object
 * lists are sorted by id (stably: equal ids keep their order).
 *
 * `unsortedMessage` leaves lists in generation order, to check that encoders sort; `canonical`
 * gives the sorted form every decoder must return for it.
 */

import fc from 'fast-check';

import { formatIp } from '../../src/wire/address.js';
import { DEFAULT_WIRE_LIMITS } from '../../src/wire/limits.js';
import type { NetAddress, UInt, WireMessage, WireObject } from '../../src/wire/types.js';

/** The seed of every property test; set PARLEY_SEED to explore (fast-check prints it on failure). */
export const TEST_SEED = ((): number => {
  const text = process.env['PARLEY_SEED'];
  if (text === undefined) return 0x5eed_0001;
  const seed = Number(text);
  if (!Number.isSafeInteger(seed)) throw new Error(`PARLEY_SEED must be an integer, got ${text}`);
  return seed;
})();

const UINT64_MAX = 2n ** 64n - 1n;

/** fc.record with ordinary prototypes: decoded objects have them, and deepStrictEqual compares prototypes. */
function record<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(model, { noNullPrototype: true });
}

const SAFE_MAX = Number.MAX_SAFE_INTEGER;

/** The normal form of an integer 0..2^64-1. */
export function normalUInt(v: bigint): UInt {
  return v <= BigInt(SAFE_MAX) ? Number(v) : v;
}

/**
 * Integers the issue names (0, 127, 128, 2^32, 2^53, 2^64-1, 2^53-1) plus every LEB128 length
 * boundary 2^(7k)-1 / 2^(7k) and the 2^49 boundary where the plain reader switches to bigint.
 */
export const EDGE_UINTS: readonly UInt[] = (() => {
  const out = new Set<bigint>([0n, 1n, 127n, 128n, 255n, 256n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n, UINT64_MAX]);
  for (let k = 1n; k <= 9n; k++) {
    out.add(2n ** (7n * k) - 1n);
    out.add(2n ** (7n * k));
  }
  return [...out].sort((a, b) => (a < b ? -1 : 1)).map(normalUInt);
})();

/** Any uint in normal form, biased towards edges and small values. */
export const uintValue: fc.Arbitrary<UInt> = fc.oneof(
  { arbitrary: fc.constantFrom(...EDGE_UINTS), weight: 3 },
  { arbitrary: fc.nat({ max: 300 }), weight: 3 },
  { arbitrary: fc.maxSafeNat(), weight: 2 },
  { arbitrary: fc.bigInt({ min: 2n ** 53n, max: UINT64_MAX }), weight: 2 },
);

/** Any fixed64 value. */
export const fixed64Value: fc.Arbitrary<bigint> = fc.oneof(
  fc.constantFrom(0n, 1n, 0xffn, 2n ** 63n, UINT64_MAX),
  fc.bigInt({ min: 0n, max: UINT64_MAX }),
);

const byte = fc.integer({ min: 0, max: 255 });
const bytesOf = (n: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: n, maxLength: n });

/** 16 bytes with the given prefix and random rest. */
function v6WithPrefix(prefix: readonly number[]): fc.Arbitrary<Uint8Array> {
  return bytesOf(16 - prefix.length).map((rest) => Uint8Array.from([...prefix, ...rest]));
}

/** Eight groups, each zero half of the time: exercises the choice of the `::` run. */
const v6ZeroRuns = fc
  .array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 })
  .map((groups) => Uint8Array.from(groups.flatMap((g) => [g >> 8, g & 0xff])));

/** IPv6 address bytes: special addresses, common prefixes, zero runs, and uniform bytes. */
export const ipv6Bytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.constant(new Uint8Array(16)), // ::
  fc.constant(Uint8Array.from([...new Array<number>(15).fill(0), 1])), // ::1
  v6WithPrefix([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]), // ::ffff:a.b.c.d
  v6WithPrefix([0xfe, 0x80, 0, 0, 0, 0, 0, 0]), // fe80::/64
  v6WithPrefix([0x20, 0x01, 0x0d, 0xb8]), // 2001:db8::/32
  fc.tuple(fc.constantFrom([0x20, 0x01, 0x0d, 0xb8], [0xfe, 0x80, 0, 0]), fc.nat({ max: 255 })).map(([p, last]) => {
    const b = new Uint8Array(16);
    b.set(p);
    b[15] = last;
    return b; // 2001:db8::n, fe80::n
  }),
  v6ZeroRuns,
  bytesOf(16),
);

/** IPv4 address bytes. */
export const ipv4Bytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.constantFrom(Uint8Array.of(0, 0, 0, 0), Uint8Array.of(127, 0, 0, 1), Uint8Array.of(255, 255, 255, 255)),
  fc.tuple(fc.constantFrom(10, 192, 172, 100), byte, byte, byte).map((b) => Uint8Array.from(b)),
  bytesOf(4),
);

/** A port, with its edges. */
export const port: fc.Arbitrary<number> = fc.oneof(fc.constantFrom(0, 1, 443, 5060, 65535), fc.integer({ min: 0, max: 0xffff }));

/** An endpoint in normal form: canonical host text made by formatIp. */
export const netAddress: fc.Arbitrary<NetAddress> = fc
  .tuple(fc.oneof(ipv4Bytes, ipv6Bytes), port)
  .map(([ip, p]) => ({ host: formatIp(ip), port: p }));

/** Strings UTF-8 can carry: empty, ASCII, any Unicode (BMP and astral), emoji; never lone surrogates. */
export const wellFormedString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', 'a', 'é', '€', '😀', '\u{10FFFF}', '\0', 'a😀b', '👩‍👩‍👧', '\uFEFFbom'),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
).filter((s) => s.isWellFormed());

/** Blobs: empty, short and a few long enough to leave the compressed model's modelled prefix. */
export const blobValue: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: fc.constant(new Uint8Array(0)), weight: 1 },
  { arbitrary: fc.uint8Array({ maxLength: 16 }), weight: 4 },
  { arbitrary: fc.uint8Array({ maxLength: 300 }), weight: 1 },
);

/** Object ids, mostly small (like schema field numbers), with the edges 0 and 65535. */
export const objectId: fc.Arbitrary<number> = fc.oneof(
  { arbitrary: fc.nat({ max: 15 }), weight: 6 },
  { arbitrary: fc.constantFrom(0, 0xffff), weight: 1 },
  { arbitrary: fc.integer({ min: 0, max: 0xffff }), weight: 2 },
);

/** A uintList value, including the empty list. */
export const uintListValue: fc.Arbitrary<UInt[]> = fc.array(uintValue, { maxLength: 8 });

/** An object that is not a list. */
export const leafObject: fc.Arbitrary<WireObject> = fc.oneof(
  record({ id: objectId, type: fc.constant('uint' as const), value: uintValue }),
  record({ id: objectId, type: fc.constant('fixed64' as const), value: fixed64Value }),
  record({ id: objectId, type: fc.constant('address' as const), value: netAddress }),
  record({ id: objectId, type: fc.constant('string' as const), value: wellFormedString }),
  record({ id: objectId, type: fc.constant('blob' as const), value: blobValue }),
  record({ id: objectId, type: fc.constant('uintList' as const), value: uintListValue }),
);

/** Limits of a generated object list. */
export interface ListShape {
  /** Most nested list levels below this one. */
  readonly nesting: number;
  /** Most objects per list. */
  readonly maxObjects: number;
}

/** An object list in generation order (unsorted), nested at most `nesting` levels deeper. */
export function objectList(shape: ListShape): fc.Arbitrary<WireObject[]> {
  const item: fc.Arbitrary<WireObject> =
    shape.nesting <= 0
      ? leafObject
      : fc.oneof(
          { arbitrary: leafObject, weight: 4 },
          {
            arbitrary: record({
              id: objectId,
              type: fc.constant('list' as const),
              value: objectList({ ...shape, nesting: shape.nesting - 1 }),
            }),
            weight: 1,
          },
        );
  return fc.array(item, { maxLength: shape.maxObjects });
}

/** Command ids with their edges. */
export const commandId: fc.Arbitrary<number> = fc.oneof(fc.constantFrom(0, 1, 127, 128, 0xffff), fc.integer({ min: 0, max: 0xffff }));
/** Request ids with their edges. */
export const requestId: fc.Arbitrary<number> = fc.oneof(fc.constantFrom(0, 1, 0xffff_ffff), fc.integer({ min: 0, max: 0xffff_ffff }));

/** A message whose lists are in generation order (encoders must sort them). */
export function unsortedMessage(shape: ListShape = { nesting: 3, maxObjects: 8 }): fc.Arbitrary<WireMessage> {
  return record({ command: commandId, requestId, objects: objectList(shape) });
}

/** The canonical form of a list: stably sorted by id, recursively. */
export function canonicalList(list: readonly WireObject[]): WireObject[] {
  return list
    .map((o, k) => ({ o, k }))
    .sort((a, b) => a.o.id - b.o.id || a.k - b.k)
    .map(({ o }) => (o.type === 'list' ? { ...o, value: canonicalList(o.value) } : o));
}

/** The canonical form of a message (what decoders return for it). */
export function canonical(m: WireMessage): WireMessage {
  return { command: m.command, requestId: m.requestId, objects: canonicalList(m.objects) };
}

/** A message in normal form. */
export function wireMessage(shape?: ListShape): fc.Arbitrary<WireMessage> {
  return unsortedMessage(shape).map(canonical);
}

/**
 * A message whose deepest list sits at exactly `depth` (the top-level list is depth 1), with
 * random siblings at every level.
 */
export function messageAtDepth(depth: number): fc.Arbitrary<WireMessage> {
  let inner: fc.Arbitrary<WireObject[]> = objectList({ nesting: 0, maxObjects: 3 });
  for (let level = depth; level > 1; level--) {
    const child = inner;
    inner = fc
      .tuple(objectList({ nesting: 0, maxObjects: 2 }), objectId, child)
      .map(([siblings, id, value]) => [...siblings, { id, type: 'list' as const, value }]);
  }
  return record({ command: commandId, requestId, objects: inner }).map(canonical);
}

/** Messages nested 1..maxDepth deep (16 by default: the default limit). */
export function deepMessage(maxDepth: number = DEFAULT_WIRE_LIMITS.maxDepth): fc.Arbitrary<WireMessage> {
  return fc.integer({ min: 1, max: maxDepth }).chain(messageAtDepth);
}

/** How deep the lists of a message nest (1 for a flat message). */
export function depthOf(list: readonly WireObject[]): number {
  let deepest = 1;
  for (const o of list) if (o.type === 'list') deepest = Math.max(deepest, 1 + depthOf(o.value));
  return deepest;
}

/** A message nested exactly `depth` deep with no siblings: the smallest such message. */
export function chainAtDepth(depth: number): WireMessage {
  let objects: WireObject[] = [{ id: 1, type: 'uint', value: 1 }];
  for (let level = depth; level > 1; level--) objects = [{ id: 1, type: 'list', value: objects }];
  return { command: 1, requestId: 0, objects };
}

/** Names of at least 3 UTF-8 bytes, so that the compressed encoding may code them as repeats. */
const repeatableName = fc.oneof(
  fc.constantFrom('alice', 'bob', 'carol', 'zoë', 'ñandú', '李小龍', '😀😀', 'x'.repeat(40)),
  fc.string({ unit: 'grapheme', minLength: 3, maxLength: 12 }).filter((s) => s.isWellFormed()),
);

/** What a realistic message draws from: few names, blobs and prefixes, one clock. */
interface Pools {
  readonly names: readonly string[];
  readonly blobs: readonly Uint8Array[];
  readonly nowMs: number;
  readonly v4: readonly number[];
  readonly v6: readonly number[];
}

function realisticObject(p: Pools): fc.Arbitrary<WireObject> {
  const id = fc.nat({ max: 12 });
  return fc.oneof(
    // Timestamps near one clock, either side of it: the time-difference path.
    record({ id, type: fc.constant('uint' as const), value: fc.integer({ min: -100_000, max: 100_000 }).map((d) => p.nowMs + d) }),
    record({ id, type: fc.constant('uint' as const), value: uintValue }),
    record({ id, type: fc.constant('string' as const), value: fc.constantFrom(...p.names) }),
    record({ id, type: fc.constant('blob' as const), value: fc.constantFrom(...p.blobs).map((b) => b.slice()) }),
    record({
      id,
      type: fc.constant('address' as const),
      value: fc
        .tuple(fc.boolean(), bytesOf(4), bytesOf(16), fc.nat({ max: 4 }), port)
        .map(([v6, r4, r6, keep, prt]) => {
          // A shared prefix of varying length, then random bytes: the address-prefix path.
          const ip = (v6 ? r6 : r4).slice();
          const prefix = v6 ? p.v6 : p.v4;
          ip.set(prefix.slice(0, Math.min(ip.length, keep * (v6 ? 4 : 1))));
          return { host: formatIp(ip), port: prt };
        }),
    }),
  );
}

/**
 * Messages like real signalling: repeated names and blobs (more than the 32-entry repeat window),
 * timestamps close to each other, addresses sharing prefixes, a nested list or two.
 */
export const realisticMessage: fc.Arbitrary<WireMessage> = record<Pools>({
  names: fc.array(repeatableName, { minLength: 1, maxLength: 40 }),
  blobs: fc.array(fc.uint8Array({ minLength: 3, maxLength: 24 }), { minLength: 1, maxLength: 5 }),
  nowMs: fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }),
  v4: fc.array(byte, { minLength: 4, maxLength: 4 }),
  v6: fc.array(byte, { minLength: 16, maxLength: 16 }),
})
  .chain((p) => {
    const obj = realisticObject(p);
    const nested = record({ id: fc.nat({ max: 12 }), type: fc.constant('list' as const), value: fc.array(obj, { maxLength: 6 }) });
    return record({
      command: commandId,
      requestId,
      objects: fc.array(fc.oneof({ arbitrary: obj, weight: 6 }, { arbitrary: nested, weight: 1 }), { maxLength: 80 }),
    });
  })
  .map(canonical);
