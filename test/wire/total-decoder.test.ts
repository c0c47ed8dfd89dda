/**
 * The decoders are total: any byte string gives a message or a coded remote error — never a throw,
 * never WIRE_INTERNAL, never a result beyond the limits. This is the seeded share of
 * `npm run fuzz` (test/fuzz/run.ts, same case generators) plus targeted damage: every prefix,
 * every bit flip, junk after the end, and lengths far beyond the limits.
 */

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';

import fc from 'fast-check';

import { type WireErrorCode } from '../../src/wire/errors.js';
import { DEFAULT_WIRE_LIMITS, type WireLimits } from '../../src/wire/limits.js';
import { decodeMessage, encodeMessage, type WireEncoding } from '../../src/wire/message.js';
import type { WireMessage, WireObject } from '../../src/wire/types.js';
import { buildPool, checkCase, count, hex, makeCase, newTally, POOL_MESSAGES, type Tally } from '../fuzz/cases.js';
import { realisticMessage, TEST_SEED, wireMessage } from './arbitraries.js';

const ENCODINGS: readonly WireEncoding[] = ['plain', 'compressed'];
/** Cases per decoder in `npm test`; `npm run fuzz` runs a million. */
const SHARE_CASES = 40_000;
/** Generous: a hang fails the test instead of stalling the run; nothing here should take a second. */
const TIMEOUT_MS = 60_000;

const pool = buildPool(TEST_SEED, POOL_MESSAGES);
const encode = (m: WireMessage, encoding: WireEncoding): Uint8Array => encodeMessage(m, { compressed: encoding === 'compressed' });

/** Fails with the input's hex when the decoder broke an invariant on `bytes`. */
function assertTotal(bytes: Uint8Array, limits?: WireLimits, about = ''): ReturnType<typeof checkCase> {
  const outcome = checkCase(bytes, limits);
  if (outcome.violation !== null) {
    assert.fail(`${outcome.violation}${about ? ` (${about})` : ''}\n  input: ${hex(bytes)}${limits ? `\n  limits: ${JSON.stringify(limits)}` : ''}`);
  }
  return outcome;
}

function assertCode(bytes: Uint8Array, code: WireErrorCode, limits?: Partial<WireLimits>): void {
  const r = decodeMessage(bytes, limits ? { limits } : {});
  assert.equal(r.ok, false, `expected ${code}, but ${hex(bytes)} decoded`);
  if (!r.ok) assert.equal(r.error.code, code, r.error.message);
}

for (const encoding of ENCODINGS) {
  describe(`${encoding} decoder`, () => {
    test(`${SHARE_CASES} seeded fuzz cases (random bytes and mutated encodings) give a message or a coded error`, { timeout: TIMEOUT_MS }, () => {
      const tally: Tally = newTally();
      for (let i = 0; i < SHARE_CASES; i++) {
        const index = 2 * i + (encoding === 'plain' ? 0 : 1);
        const c = makeCase(TEST_SEED, index, pool, encoding);
        const outcome = checkCase(c.bytes, c.limits);
        count(tally, outcome);
        if (outcome.violation !== null) {
          assert.fail(`${outcome.violation}\n  replay: node dist/test/fuzz/run.js --seed ${TEST_SEED} --case ${index}\n  kind: ${c.kind}\n  input: ${hex(c.bytes)}`);
        }
      }
      // The share reaches deep into the decoder: some cases decode, and most error codes occur.
      assert.ok(tally.ok > SHARE_CASES / 100, `only ${tally.ok} cases decoded`);
      assert.ok(Object.keys(tally.errors).length >= 10, `only these codes occurred: ${Object.keys(tally.errors).join(', ')}`);
    });

    test('fast-check byte strings (shrunk on failure) give a message or a coded error', { timeout: TIMEOUT_MS }, () => {
      const first = encoding === 'plain' ? fc.constantFrom(0x01, 0x00, 0x7f) : fc.integer({ min: 0x80, max: 0xff });
      fc.assert(
        fc.property(first, fc.uint8Array({ maxLength: 120 }), (b, rest) => {
          assertTotal(Uint8Array.from([b, ...rest]));
        }),
        { seed: TEST_SEED, numRuns: 5_000 },
      );
    });

    test('every prefix of valid encodings', { timeout: TIMEOUT_MS }, () => {
      for (const [k, bytes] of pool[encoding].entries()) {
        for (let n = 0; n < bytes.length; n++) {
          const prefix = bytes.subarray(0, n);
          const outcome = assertTotal(prefix, undefined, `prefix of ${n} bytes of pool message ${k}`);
          // Plain is self-delimiting: a strict prefix can only run out of bytes. A compressed
          // prefix reads as zeros past its end, so it may (rarely) decode to something else.
          if (encoding === 'plain') assert.equal(outcome.result, n === 0 ? 'WIRE_EMPTY' : 'WIRE_TRUNCATED', `prefix ${hex(prefix)}`);
        }
      }
    });

    test('every single-bit flip of valid encodings', { timeout: TIMEOUT_MS }, () => {
      for (const bytes of pool[encoding].slice(0, 60)) {
        for (let bit = 0; bit < bytes.length * 8; bit++) {
          const flipped = bytes.slice();
          flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7));
          assertTotal(flipped, undefined, `bit ${bit} flipped`);
        }
      }
    });

    test('junk after a valid encoding', { timeout: TIMEOUT_MS }, () => {
      fc.assert(
        fc.property(fc.constantFrom(...pool[encoding]), fc.uint8Array({ minLength: 1, maxLength: 16 }), (bytes, junk) => {
          const outcome = assertTotal(Uint8Array.from([...bytes, ...junk]));
          if (encoding === 'plain') assert.equal(outcome.result, 'WIRE_TRAILING_BYTES');
        }),
        { seed: TEST_SEED, numRuns: 2_000 },
      );
    });

    test('random messages decoded under random tight limits: a message within them or a limit code', { timeout: TIMEOUT_MS }, () => {
      const limitsArb = fc.record({
        maxDepth: fc.integer({ min: 1, max: 4 }),
        maxObjects: fc.nat({ max: 30 }),
        maxStringBytes: fc.nat({ max: 40 }),
        maxBlobBytes: fc.nat({ max: 40 }),
        maxTotalBytes: fc.integer({ min: 1, max: 600 }),
      });
      const limitCodes = new Set(['WIRE_LIMIT_DEPTH', 'WIRE_LIMIT_OBJECTS', 'WIRE_LIMIT_STRING', 'WIRE_LIMIT_BLOB', 'WIRE_LIMIT_SIZE']);
      fc.assert(
        fc.property(fc.oneof(wireMessage(), realisticMessage), limitsArb, (m, limits) => {
          const outcome = assertTotal(encode(m, encoding), limits);
          assert.ok(outcome.result === 'ok' || limitCodes.has(outcome.result), `a valid encoding gave ${outcome.result}`);
        }),
        { seed: TEST_SEED, numRuns: 1_000 },
      );
    });
  });
}

describe('lengths beyond the limits fail with a limit code before anything is allocated', () => {
  const string = (value: string): WireObject => ({ id: 1, type: 'string', value });
  const blob = (length: number): WireObject => ({ id: 2, type: 'blob', value: new Uint8Array(length).fill(0x5a) });
  const message = (...objects: WireObject[]): WireMessage => ({ command: 3, requestId: 0, objects });

  test('plain: declared lengths and counts up to 2^64-1 with no bytes behind them', () => {
    const max = 'ffffffffffffffffff01'; // 2^64-1
    assertCode(Buffer.from(`01000001 0b ${max}`.replace(/ /g, ''), 'hex'), 'WIRE_LIMIT_STRING');
    assertCode(Buffer.from(`01000001 0c ${max}`.replace(/ /g, ''), 'hex'), 'WIRE_LIMIT_BLOB');
    assertCode(Buffer.from(`01000001 0e ${max}`.replace(/ /g, ''), 'hex'), 'WIRE_LIMIT_OBJECTS');
    assertCode(Buffer.from(`010000 ${max}`.replace(/ /g, ''), 'hex'), 'WIRE_LIMIT_OBJECTS');
    // Within the limits but beyond the input: truncated, not allocated.
    assertCode(Buffer.from('01000001 0b 808004'.replace(/ /g, ''), 'hex'), 'WIRE_TRUNCATED');
    assertCode(Buffer.from('010000 8020'.replace(/ /g, ''), 'hex'), 'WIRE_TRUNCATED');
  });

  for (const encoding of ENCODINGS) {
    test(`${encoding}: a string or blob longer than its limit`, () => {
      const s = encode(message(string('x'.repeat(5000))), encoding);
      assertCode(s, 'WIRE_LIMIT_STRING', { maxStringBytes: 100 });
      assertCode(s, 'WIRE_LIMIT_STRING', { maxStringBytes: 4999 });
      const b = encode(message(blob(5000)), encoding);
      assertCode(b, 'WIRE_LIMIT_BLOB', { maxBlobBytes: 100 });
      assertCode(b, 'WIRE_LIMIT_BLOB', { maxBlobBytes: 4999 });
    });

    test(`${encoding}: a uintList longer than the object limit`, () => {
      const bytes = encode(message({ id: 1, type: 'uintList', value: new Array<number>(500).fill(1) }), encoding);
      assertCode(bytes, 'WIRE_LIMIT_OBJECTS', { maxObjects: 100 });
    });
  }

  test('compressed: a small input that would decode to more than maxTotalBytes is WIRE_LIMIT_SIZE', () => {
    const bomb = encode(message(string('a'.repeat(60_000))), 'compressed');
    assert.ok(bomb.length < 6_000, `the test needs a small input, got ${bomb.length} bytes`);
    // The input itself is within the limit; what it decodes to is not.
    assertCode(bomb, 'WIRE_LIMIT_SIZE', { maxTotalBytes: bomb.length });
  });

  test('compressed: repeats count towards maxTotalBytes (default limits)', () => {
    // 40 repeats of a 60,000-byte string: 2.4 MB decoded from a few hundred bytes.
    const s = 'ab'.repeat(30_000);
    const bomb = encode(message(...new Array<WireObject>(40).fill(string(s))), 'compressed');
    assert.ok(bomb.length < 100_000, `the test needs a small input, got ${bomb.length} bytes`);
    assertCode(bomb, 'WIRE_LIMIT_SIZE');
    const blobs = encode(message(...new Array<WireObject>(40).fill(blob(60_000))), 'compressed');
    assertCode(blobs, 'WIRE_LIMIT_SIZE');
  });

  test(
    'compressed: repeated multi-byte strings count their UTF-8 bytes towards maxTotalBytes',
    () => {
      // 21,000 x '€' is 63,000 UTF-8 bytes (under maxStringBytes) but 21,000 UTF-16 units: 40 copies
      // decode to 2.52 MB while the decoder counts 63,000 + 39 x 21,000 = 882,000 < 1 MiB.
      const s = '€'.repeat(21_000);
      const bytes = encode(message(...new Array<WireObject>(40).fill(string(s))), 'compressed');
      assert.ok(40 * Buffer.byteLength(s) > DEFAULT_WIRE_LIMITS.maxTotalBytes);
      assertCode(bytes, 'WIRE_LIMIT_SIZE');
      // The same at a small scale: 2 x 60 bytes decoded, counted as 60 + 20, under a limit of 100.
      const small = encode(message(string('€'.repeat(20)), string('€'.repeat(20))), 'compressed');
      assert.ok(small.length < 120, `the test needs an input under 120 bytes, got ${small.length}`);
      assertCode(small, 'WIRE_LIMIT_SIZE', { maxTotalBytes: Math.max(100, small.length) });
    },
  );

  test(
    'compressed: the working memory of the decoder does not grow with the decoded size',
    () => {
      // A few KB at most that decode to 983,040 bytes of text (within maxTotalBytes): 7.9 million coded
      // bits. Measured in a child process with a garbage collector to call, so that nothing else
      // allocated by this file is counted.
      const child = `
        const { encodeMessage, decodeMessage } = await import(${JSON.stringify(new URL('../../src/wire/message.js', import.meta.url).href)});
        const objects = Array.from({ length: 15 }, (_, i) => ({ id: i, type: 'string', value: String.fromCharCode(97 + i).repeat(65536) }));
        const bytes = encodeMessage({ command: 1, requestId: 0, objects }, { compressed: true });
        decodeMessage(encodeMessage({ command: 1, requestId: 0, objects: [] }, { compressed: true })); // load the model
        globalThis.gc();
        const before = process.memoryUsage().arrayBuffers;
        const ok = decodeMessage(bytes).ok;
        const grown = process.memoryUsage().arrayBuffers - before;
        process.stdout.write(JSON.stringify({ inputBytes: bytes.length, ok, grown }));`;
      const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', child], { encoding: 'utf8' });
      const { inputBytes, ok, grown } = JSON.parse(out) as { inputBytes: number; ok: boolean; grown: number };
      assert.ok(inputBytes < 20_000 && ok, `the test needs a small input that decodes: ${out}`);
      // Restoring the priors needs at most one log entry per table slot (a few hundred KiB).
      assert.ok(grown < 4 * 1024 * 1024, `decoding ${inputBytes} bytes kept ${grown} bytes of array buffers`);
    },
  );
});

describe('regressions found by npm run fuzz', () => {
  test('a hit on a prediction that belongs to another context (hashed table) is rejected, not decoded out of range', () => {
    // Seed 833904231, case 645443: a port "predicted" as 86,400,000, which then failed to re-encode.
    const outcome = checkCase(new Uint8Array(Buffer.from('ffa7fe11892b2341ca41ca2edd99778000', 'hex')));
    assert.equal(outcome.violation, null);
  });
});
