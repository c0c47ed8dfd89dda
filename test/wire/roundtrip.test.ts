/**
 * Property tests of both encodings: decode(encode(x)) equals x, plain is canonical, encoding is
 * deterministic, limits give their codes, and invalid values are local errors when encoding.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import fc from 'fast-check';

import { WireError, type WireErrorCode } from '../../src/wire/errors.js';
import { DEFAULT_WIRE_LIMITS, type WireLimits } from '../../src/wire/limits.js';
import { decodeMessage, encodeMessage, encodingOf, type WireEncoding } from '../../src/wire/message.js';
import type { WireMessage, WireObject } from '../../src/wire/types.js';
import { mutateOnce, MUTATIONS, Prng } from '../fuzz/cases.js';
import {
  canonical,
  chainAtDepth,
  deepMessage,
  depthOf,
  EDGE_UINTS,
  realisticMessage,
  TEST_SEED,
  unsortedMessage,
  wireMessage,
} from './arbitraries.js';

const ENCODINGS: readonly WireEncoding[] = ['plain', 'compressed'];

const encode = (m: WireMessage, encoding: WireEncoding): Uint8Array => encodeMessage(m, { compressed: encoding === 'compressed' });

/** The decoded message, or a failed assertion naming the error. */
function decodeOk(bytes: Uint8Array, limits?: Partial<WireLimits>): WireMessage {
  const r = decodeMessage(bytes, limits ? { limits } : {});
  if (!r.ok) assert.fail(`expected a message, got ${r.error.message}`);
  return r.value;
}

/** Asserts that decoding fails with `code`, blaming the remote side. */
function assertDecodeError(bytes: Uint8Array, code: WireErrorCode, limits?: Partial<WireLimits>): void {
  const r = decodeMessage(bytes, limits ? { limits } : {});
  assert.equal(r.ok, false, `expected ${code}, but the bytes decoded`);
  if (!r.ok) {
    assert.equal(r.error.code, code, r.error.message);
    assert.equal(r.error.side, 'remote');
  }
}

const message = (...objects: WireObject[]): WireMessage => ({ command: 7, requestId: 1, objects });

for (const encoding of ENCODINGS) {
  describe(`${encoding} encoding`, () => {
    const roundTrips = (m: WireMessage): void => {
      assert.deepStrictEqual(decodeOk(encode(m, encoding)), m);
    };

    test('decode(encode(x)) equals x for random messages', () => {
      fc.assert(fc.property(wireMessage(), roundTrips), { seed: TEST_SEED, numRuns: 400 });
    });

    test('decode(encode(x)) equals x for realistic messages (repeats, timestamps, shared prefixes)', () => {
      fc.assert(fc.property(realisticMessage, roundTrips), { seed: TEST_SEED, numRuns: 150 });
    });

    test('decode(encode(x)) equals x for lists nested up to the default depth limit', () => {
      fc.assert(fc.property(deepMessage(), roundTrips), { seed: TEST_SEED, numRuns: 150 });
    });

    test('lists are encoded sorted by id, equal ids in their given order', () => {
      fc.assert(
        fc.property(unsortedMessage(), (m) => {
          const sorted = canonical(m);
          const bytes = encode(m, encoding);
          assert.deepStrictEqual(bytes, encode(sorted, encoding));
          assert.deepStrictEqual(decodeOk(bytes), sorted);
        }),
        { seed: TEST_SEED, numRuns: 200 },
      );
    });

    test('encoding is deterministic, whatever was encoded or decoded before', () => {
      fc.assert(
        fc.property(wireMessage(), realisticMessage, fc.uint8Array({ maxLength: 64 }), (a, b, junk) => {
          const first = encode(a, encoding);
          encode(b, 'plain');
          encode(b, 'compressed');
          decodeMessage(junk);
          decodeMessage(Uint8Array.from([0x80, ...junk]));
          assert.deepStrictEqual(encode(a, encoding), first);
        }),
        { seed: TEST_SEED, numRuns: 150 },
      );
    });

    test('an encode that throws half-way leaves no trace in the next one', () => {
      const m = message({ id: 1, type: 'string', value: 'hello hello hello' }, { id: 2, type: 'uint', value: 1_700_000_000_000 });
      const before = encode(m, encoding);
      const broken = { ...m, objects: [...m.objects, { id: 3, type: 'string', value: '\uD800' }] } as WireMessage;
      assert.throws(() => encode(broken, encoding), WireError);
      assert.deepStrictEqual(encode(m, encoding), before);
    });

    test(`the first byte is ${encoding === 'plain' ? '0x01' : '>= 0x80'}`, () => {
      fc.assert(
        fc.property(wireMessage(), (m) => {
          const first = encode(m, encoding)[0] as number;
          assert.ok(encoding === 'plain' ? first === 0x01 : first >= 0x80, `first byte 0x${first.toString(16)}`);
        }),
        { seed: TEST_SEED, numRuns: 200 },
      );
    });

    test('edge integers survive as uint, in uintLists and as fixed64', () => {
      const uints = EDGE_UINTS.map((value, i): WireObject => ({ id: i, type: 'uint', value }));
      const fixed = EDGE_UINTS.map((v, i): WireObject => ({ id: 100 + i, type: 'fixed64', value: BigInt(v) }));
      const m = message(...uints, { id: 99, type: 'uintList', value: [...EDGE_UINTS] }, ...fixed, { id: 200, type: 'uintList', value: [] });
      roundTrips(m);
      // The normal form splits exactly at 2^53: 2^53-1 is a number, 2^53 a bigint.
      const decoded = decodeOk(encode(message({ id: 1, type: 'uintList', value: [2 ** 53 - 1, 2n ** 53n] }), encoding));
      assert.deepStrictEqual(decoded.objects[0]?.value, [2 ** 53 - 1, 2n ** 53n]);
    });

    test('empty, ASCII, BMP and non-BMP strings, empty and long blobs, ids 0 and 65535', () => {
      const strings = ['', 'a', 'héllo', '€uro', '日本語', '😀', '\u{10FFFF}', 'a\u{1F600}b\u{20000}', '\0'];
      roundTrips(
        message(
          ...strings.map((value, i): WireObject => ({ id: 0, type: 'string', value: value + (i % 2 ? '' : value) })),
          { id: 1, type: 'blob', value: new Uint8Array(0) },
          { id: 1, type: 'blob', value: Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff) },
          { id: 0xffff, type: 'list', value: [] },
        ),
      );
    });

    test('IPv4 and IPv6 addresses, ports 0 and 65535', () => {
      const hosts = ['0.0.0.0', '255.255.255.255', '::', '::1', '::ffff:192.0.2.1', 'fe80::1', '2001:db8::', '2001:db8::1:0:0:1', '1::', '1:2:3:4:5:6:7:8'];
      roundTrips(message(...hosts.map((host, i): WireObject => ({ id: i, type: 'address', value: { host, port: i % 2 ? 0 : 65535 } }))));
    });

    test('encoders accept numbers as bigints and hosts in any spelling; decoders return the normal form', () => {
      const loose = message(
        { id: 1, type: 'uint', value: 5n },
        { id: 2, type: 'uintList', value: [0n, BigInt(Number.MAX_SAFE_INTEGER), 2 ** 53 - 1] },
        { id: 3, type: 'address', value: { host: '2001:0DB8:0:0::0001', port: 1 } },
        { id: 4, type: 'address', value: { host: '::FFFF:10.0.0.1', port: 2 } },
        { id: 5, type: 'address', value: { host: '0:0:0:0:0:0:0:0', port: 3 } },
      );
      assert.deepStrictEqual(
        decodeOk(encode(loose, encoding)),
        message(
          { id: 1, type: 'uint', value: 5 },
          { id: 2, type: 'uintList', value: [0, Number.MAX_SAFE_INTEGER, 2 ** 53 - 1] },
          { id: 3, type: 'address', value: { host: '2001:db8::1', port: 1 } },
          { id: 4, type: 'address', value: { host: '::ffff:10.0.0.1', port: 2 } },
          { id: 5, type: 'address', value: { host: '::', port: 3 } },
        ),
      );
    });

    describe('limits', () => {
      test('lists nested exactly at the default depth limit decode; one deeper is WIRE_LIMIT_DEPTH', () => {
        const max = DEFAULT_WIRE_LIMITS.maxDepth;
        assert.equal(depthOf(chainAtDepth(max).objects), max);
        roundTrips(chainAtDepth(max));
        assertDecodeError(encode(chainAtDepth(max + 1), encoding), 'WIRE_LIMIT_DEPTH');
        fc.assert(
          fc.property(deepMessage(max), (m) => {
            const depth = depthOf(m.objects);
            const bytes = encode(m, encoding);
            decodeOk(bytes, { maxDepth: depth });
            if (depth > 1) assertDecodeError(bytes, 'WIRE_LIMIT_DEPTH', { maxDepth: depth - 1 });
          }),
          { seed: TEST_SEED, numRuns: 100 },
        );
      });

      test('maxObjects counts nested objects and uintList elements', () => {
        const m = message(
          { id: 1, type: 'uint', value: 1 },
          { id: 2, type: 'list', value: [{ id: 1, type: 'string', value: 'x' }, { id: 2, type: 'list', value: [] }] },
          { id: 3, type: 'uintList', value: [1, 2, 3] },
        );
        const bytes = encode(m, encoding);
        const total = 1 + 1 + 2 + 1 + 3;
        assert.deepStrictEqual(decodeOk(bytes, { maxObjects: total }), m);
        assertDecodeError(bytes, 'WIRE_LIMIT_OBJECTS', { maxObjects: total - 1 });
        assertDecodeError(bytes, 'WIRE_LIMIT_OBJECTS', { maxObjects: 0 });
        decodeOk(encode(message(), encoding), { maxObjects: 0 });
      });

      test('maxStringBytes counts UTF-8 bytes', () => {
        const value = 'aé😀€'; // 1 + 2 + 4 + 3 = 10 bytes, 5 UTF-16 units
        const bytes = encode(message({ id: 1, type: 'string', value }), encoding);
        decodeOk(bytes, { maxStringBytes: 10 });
        assertDecodeError(bytes, 'WIRE_LIMIT_STRING', { maxStringBytes: 9 });
        assertDecodeError(bytes, 'WIRE_LIMIT_STRING', { maxStringBytes: 0 });
      });

      test('maxBlobBytes', () => {
        const bytes = encode(message({ id: 1, type: 'blob', value: new Uint8Array(300).fill(7) }), encoding);
        decodeOk(bytes, { maxBlobBytes: 300 });
        assertDecodeError(bytes, 'WIRE_LIMIT_BLOB', { maxBlobBytes: 299 });
      });

      test('maxTotalBytes bounds the input', () => {
        const bytes = encode(message({ id: 1, type: 'blob', value: new Uint8Array(100).fill(1) }), encoding);
        decodeOk(bytes, { maxTotalBytes: bytes.length });
        assertDecodeError(bytes, 'WIRE_LIMIT_SIZE', { maxTotalBytes: bytes.length - 1 });
      });

      test('every limit holds for random messages: decodes at its measure, fails just below', () => {
        fc.assert(
          fc.property(wireMessage({ nesting: 2, maxObjects: 6 }), (m) => {
            const bytes = encode(m, encoding);
            const size = measureMessage(m);
            decodeOk(bytes, size.limits);
            if (size.limits.maxObjects > 0) assertDecodeError(bytes, 'WIRE_LIMIT_OBJECTS', { ...size.limits, maxObjects: size.limits.maxObjects - 1 });
            if (size.limits.maxStringBytes > 0) assertDecodeError(bytes, 'WIRE_LIMIT_STRING', { ...size.limits, maxStringBytes: size.limits.maxStringBytes - 1 });
            if (size.limits.maxBlobBytes > 0) assertDecodeError(bytes, 'WIRE_LIMIT_BLOB', { ...size.limits, maxBlobBytes: size.limits.maxBlobBytes - 1 });
          }),
          { seed: TEST_SEED, numRuns: 200 },
        );
      });
    });

    describe('invalid values are local WIRE_BAD_VALUE errors when encoding', () => {
      const cases: [string, unknown][] = [
        ['a lone high surrogate', { id: 1, type: 'string', value: 'a\uD800' }],
        ['a lone low surrogate', { id: 1, type: 'string', value: '\uDC00b' }],
        ['a string that is not a string', { id: 1, type: 'string', value: 5 }],
        ['a negative uint', { id: 1, type: 'uint', value: -1 }],
        ['a fractional uint', { id: 1, type: 'uint', value: 1.5 }],
        ['an unsafe number uint (2^53)', { id: 1, type: 'uint', value: 2 ** 53 }],
        ['a NaN uint', { id: 1, type: 'uint', value: NaN }],
        ['a uint of 2^64', { id: 1, type: 'uint', value: 2n ** 64n }],
        ['a negative bigint uint', { id: 1, type: 'uint', value: -1n }],
        ['a uintList element of 2^64', { id: 1, type: 'uintList', value: [1, 2n ** 64n] }],
        ['a uintList that is not an array', { id: 1, type: 'uintList', value: 5 }],
        ['a fixed64 of 2^64', { id: 1, type: 'fixed64', value: 2n ** 64n }],
        ['a negative fixed64', { id: 1, type: 'fixed64', value: -1n }],
        ['a fixed64 given as a number', { id: 1, type: 'fixed64', value: 5 }],
        ['a host name', { id: 1, type: 'address', value: { host: 'example.com', port: 1 } }],
        ['an IPv4 octet of 256', { id: 1, type: 'address', value: { host: '1.2.3.256', port: 1 } }],
        ['an IPv6 zone id', { id: 1, type: 'address', value: { host: 'fe80::1%eth0', port: 1 } }],
        ['a bracketed IPv6 host', { id: 1, type: 'address', value: { host: '[::1]', port: 1 } }],
        ['a port of 65536', { id: 1, type: 'address', value: { host: '::1', port: 65536 } }],
        ['a negative port', { id: 1, type: 'address', value: { host: '::1', port: -1 } }],
        ['an address that is null', { id: 1, type: 'address', value: null }],
        ['a blob that is an array', { id: 1, type: 'blob', value: [1, 2] }],
        ['an id of 65536', { id: 65536, type: 'uint', value: 1 }],
        ['a negative id', { id: -1, type: 'uint', value: 1 }],
        ['a fractional id', { id: 1.5, type: 'uint', value: 1 }],
        ['an unknown type', { id: 1, type: 'float', value: 1 }],
        ['a list that is not an array', { id: 1, type: 'list', value: 5 }],
        ['a bad value deep in a list', { id: 1, type: 'list', value: [{ id: 2, type: 'list', value: [{ id: 3, type: 'uint', value: -1 }] }] }],
      ];
      for (const [name, object] of cases) {
        test(name, () => {
          // A valid object first, so that the encoder has started the message when it meets the bad one.
          const m = { command: 1, requestId: 1, objects: [{ id: 0, type: 'string', value: 'before' }, object] };
          assertLocalError(() => encode(m as WireMessage, encoding));
        });
      }
      test('a command of 65536, a requestId of 2^32, a negative command', () => {
        assertLocalError(() => encode({ command: 65536, requestId: 0, objects: [] }, encoding));
        assertLocalError(() => encode({ command: 0, requestId: 2 ** 32, objects: [] }, encoding));
        assertLocalError(() => encode({ command: -1, requestId: 0, objects: [] }, encoding));
      });
    });
  });
}

/** Asserts that `f` throws a local WireError with code WIRE_BAD_VALUE (and fails if it does not throw). */
function assertLocalError(f: () => unknown): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof WireError, `expected a WireError, got ${String(e)}`);
    assert.equal(e.code, 'WIRE_BAD_VALUE', e.message);
    assert.equal(e.side, 'local');
    return true;
  });
}

/** The tightest limits a message decodes under (maxDepth and maxTotalBytes left at their defaults). */
function measureMessage(m: WireMessage): { limits: WireLimits } {
  let objects = 0;
  let longestString = 0;
  let longestBlob = 0;
  const walk = (list: readonly WireObject[]): void => {
    for (const o of list) {
      objects++;
      if (o.type === 'list') walk(o.value);
      else if (o.type === 'uintList') objects += o.value.length;
      else if (o.type === 'string') longestString = Math.max(longestString, Buffer.byteLength(o.value));
      else if (o.type === 'blob') longestBlob = Math.max(longestBlob, o.value.length);
    }
  };
  walk(m.objects);
  return { limits: { ...DEFAULT_WIRE_LIMITS, maxObjects: objects, maxStringBytes: longestString, maxBlobBytes: longestBlob } };
}

describe('plain canonicality', () => {
  test('any bytes that decode as plain re-encode to exactly those bytes', () => {
    let decoded = 0;
    let runs = 0;
    fc.assert(
      fc.property(wireMessage({ nesting: 2, maxObjects: 5 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), (m, seed) => {
        // Mutations of a valid encoding: many still decode, to something else.
        const rng = new Prng(seed);
        let bytes = encodeMessage(m);
        for (let k = 1 + rng.below(2); k > 0; k--) bytes = mutateOnce(rng, bytes, rng.pick(MUTATIONS), bytes);
        runs++;
        const r = decodeMessage(bytes);
        if (!r.ok || encodingOf(bytes) !== 'plain') return;
        decoded++;
        assert.equal(Buffer.from(encodeMessage(r.value)).toString('hex'), Buffer.from(bytes).toString('hex'));
      }),
      { seed: TEST_SEED, numRuns: 3000 },
    );
    // The property is not vacuous: a good share of the mutants decoded.
    assert.ok(decoded > runs / 20, `only ${decoded} of ${runs} mutants decoded`);
  });
});
