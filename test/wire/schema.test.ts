/**
 * Typed schemas over object lists (src/wire/schema.ts), on a small call-setup protocol: values
 * round-trip through both encodings, unknown ids are skipped, missing, mistyped and out-of-range
 * fields are coded errors (remote when decoding, local when encoding), definitions are checked.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import fc from 'fast-check';

import { WireError, type WireErrorCode } from '../../src/wire/errors.js';
import { decodeMessage, encodeMessage, type WireEncoding } from '../../src/wire/message.js';
import {
  address,
  bool,
  bytes,
  defineMessage,
  defineProtocol,
  enumeration,
  field,
  fixed64,
  type Infer,
  optional,
  repeated,
  string,
  struct,
  uint,
  uint64,
  uintList,
} from '../../src/wire/schema.js';
import type { WireMessage, WireObject } from '../../src/wire/types.js';
import { netAddress, TEST_SEED } from './arbitraries.js';

const Media = struct({
  codec: field(1, enumeration(['opus', 'g711', 'silk'])),
  endpoint: field(2, address()),
  ptimeMs: optional(3, uint({ min: 10, max: 120 })),
});

const Invite = defineMessage('invite', 40, {
  caller: field(1, string({ minBytes: 1, maxBytes: 64 })),
  callId: field(2, bytes(32)),
  video: field(3, bool()),
  media: field(4, Media),
  candidates: repeated(5, address()),
  payloadTypes: field(6, uintList({ max: 127, maxItems: 8 })),
  subject: optional(7, string({ maxBytes: 200 })),
  sentAtUs: field(8, uint64()),
  nonce: field(9, fixed64()),
});

const Ringing = defineMessage('ringing', 41, { callId: field(1, bytes(32)) });

const Bye = defineMessage('bye', 42, {
  callId: field(1, bytes(32)),
  reason: optional(2, enumeration(['hangup', 'busy', 'timeout'])),
});

const Calls = defineProtocol('calls', [Invite, Ringing, Bye]);

type InviteValue = Infer<typeof Invite.fields>;

const CALL_ID = new Uint8Array(32).fill(0xc1);

/** A valid invite; optional fields `ptimeMs` and `subject` present. */
const invite: InviteValue = {
  caller: 'alice',
  callId: CALL_ID,
  video: true,
  media: { codec: 'silk', endpoint: { host: '2001:db8::7', port: 5060 }, ptimeMs: 20 },
  candidates: [
    { host: '192.0.2.1', port: 40000 },
    { host: 'fe80::1', port: 40001 },
  ],
  payloadTypes: [0, 8, 111],
  subject: 'lunch? 🍜',
  sentAtUs: 2n ** 60n + 5n,
  nonce: 0xfedc_ba98_7654_3210n,
};

// Compile-time checks: these must type-check (or, marked, fail to).
const minimal: InviteValue = {
  caller: 'bob',
  callId: CALL_ID,
  video: false,
  media: { codec: 'opus', endpoint: { host: '10.0.0.1', port: 1 } },
  candidates: [],
  payloadTypes: [],
  sentAtUs: 0n,
  nonce: 0n,
};
// @ts-expect-error `caller` is required
const missingCaller: InviteValue = { ...minimal, caller: undefined };
// @ts-expect-error `codec` is one of the enumeration's names
const badCodec: InviteValue = { ...minimal, media: { ...minimal.media, codec: 'mp3' } };
const byeValue: Infer<typeof Bye.fields> = { callId: CALL_ID, reason: 'busy' };
void [missingCaller, badCodec];

const ENCODINGS: readonly WireEncoding[] = ['plain', 'compressed'];

/** Encodes in one encoding and decodes back, as a peer would. */
function overTheWire(m: WireMessage, encoding: WireEncoding): WireMessage {
  const r = decodeMessage(encodeMessage(m, { compressed: encoding === 'compressed' }));
  if (!r.ok) assert.fail(r.error.message);
  return r.value;
}

/** Asserts a failed decode with `code`, blamed on the peer, whose message contains `path`. */
function assertRemote(r: { ok: boolean; error?: WireError }, code: WireErrorCode, path?: string): void {
  assert.equal(r.ok, false, `expected ${code}`);
  const e = r.error as WireError;
  assert.equal(e.code, code, e.message);
  assert.equal(e.side, 'remote');
  if (path !== undefined) assert.ok(e.message.includes(`${path}:`), `"${e.message}" names ${path}`);
}

/** Asserts that `f` throws a local WireError with `code`. */
function assertLocal(f: () => unknown, code: WireErrorCode, path?: string): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof WireError, `expected a WireError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.equal(e.side, 'local');
    if (path !== undefined) assert.ok(e.message.includes(`${path}:`), `"${e.message}" names ${path}`);
    return true;
  });
}

/** The invite's wire objects with `edit` applied to the top-level list. */
function editedInvite(edit: (objects: WireObject[]) => WireObject[]): WireMessage {
  const m = Invite.toMessage(invite, 9);
  return { ...m, objects: edit([...m.objects]) };
}

const replaceId = (id: number, o: WireObject) => (objects: WireObject[]) => objects.map((x) => (x.id === id ? o : x));
const withoutId = (id: number) => (objects: WireObject[]) => objects.filter((x) => x.id !== id);

describe('schema round trips', () => {
  for (const encoding of ENCODINGS) {
    test(`${encoding}: values survive toMessage, encode, decode, fromMessage`, () => {
      for (const value of [invite, minimal]) {
        const m = overTheWire(Invite.toMessage(value, 77), encoding);
        assert.equal(m.command, 40);
        assert.equal(m.requestId, 77);
        assert.deepStrictEqual(Invite.fromMessage(m), { ok: true, value });
      }
      const bye = overTheWire(Bye.toMessage(byeValue), encoding);
      assert.deepStrictEqual(Bye.fromMessage(bye), { ok: true, value: byeValue });
    });

    test(`${encoding}: random invites round-trip`, () => {
      const inviteArb = fc.record(
        {
          caller: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }),
          callId: fc.uint8Array({ minLength: 32, maxLength: 32 }),
          video: fc.boolean(),
          media: fc.record(
            {
              codec: fc.constantFrom('opus' as const, 'g711' as const, 'silk' as const),
              endpoint: netAddress,
              ptimeMs: fc.integer({ min: 10, max: 120 }),
            },
            { requiredKeys: ['codec', 'endpoint'], noNullPrototype: true },
          ),
          candidates: fc.array(netAddress, { maxLength: 4 }),
          payloadTypes: fc.array(fc.nat({ max: 127 }), { maxLength: 8 }),
          subject: fc.string({ maxLength: 50 }),
          sentAtUs: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
          nonce: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        },
        { requiredKeys: ['caller', 'callId', 'video', 'media', 'candidates', 'payloadTypes', 'sentAtUs', 'nonce'], noNullPrototype: true },
      );
      fc.assert(
        fc.property(
          inviteArb.filter((v) => Buffer.byteLength(v.caller) <= 64 && v.caller.isWellFormed()),
          (value) => {
            assert.deepStrictEqual(Invite.fromMessage(overTheWire(Invite.toMessage(value), encoding)), { ok: true, value });
          },
        ),
        { seed: TEST_SEED, numRuns: 200 },
      );
    });
  }

  test('the protocol dispatches by command', () => {
    for (const encoding of ENCODINGS) {
      const r = Calls.decode(overTheWire(Ringing.toMessage({ callId: CALL_ID }, 5), encoding));
      assert.deepStrictEqual(r, { ok: true, value: { name: 'ringing', requestId: 5, value: { callId: CALL_ID } } });
      const i = Calls.decode(overTheWire(Invite.toMessage(invite), encoding));
      assert.ok(i.ok);
      // The decoded union narrows by name.
      if (i.value.name === 'invite') assert.equal(i.value.value.media.codec, 'silk');
      else assert.fail(`decoded as ${i.value.name}`);
    }
  });

  test('fields go on the wire sorted by id, repeated ones in order', () => {
    const m = Invite.toMessage(invite);
    assert.deepStrictEqual(
      m.objects.map((o) => o.id),
      [1, 2, 3, 4, 5, 5, 6, 7, 8, 9],
    );
    assert.deepStrictEqual(
      m.objects.filter((o) => o.id === 5).map((o) => o.value),
      invite.candidates,
    );
  });
});

describe('decoding a peer message', () => {
  test('unknown ids are skipped, at the top and in nested structures', () => {
    const extra: WireObject[] = [
      { id: 0, type: 'blob', value: Uint8Array.of(1) },
      { id: 10, type: 'string', value: 'from a newer peer' },
      { id: 65535, type: 'list', value: [{ id: 1, type: 'uint', value: 1 }] },
    ];
    const m = editedInvite((objects) => [
      ...objects.map((o) => (o.id === 4 && o.type === 'list' ? { ...o, value: [...o.value, { id: 99, type: 'uintList' as const, value: [1] }] } : o)),
      ...extra,
    ]);
    for (const encoding of ENCODINGS) assert.deepStrictEqual(Invite.fromMessage(overTheWire(m, encoding)), { ok: true, value: invite });
  });

  test('a missing required field is SCHEMA_MISSING_FIELD naming its path', () => {
    assertRemote(Invite.fromMessage(editedInvite(withoutId(1))), 'SCHEMA_MISSING_FIELD', 'invite.caller');
    assertRemote(Invite.fromMessage(editedInvite(withoutId(9))), 'SCHEMA_MISSING_FIELD', 'invite.nonce');
    const noCodec = editedInvite((objects) =>
      objects.map((o) => (o.id === 4 && o.type === 'list' ? { ...o, value: o.value.filter((x) => x.id !== 1) } : o)),
    );
    assertRemote(Invite.fromMessage(noCodec), 'SCHEMA_MISSING_FIELD', 'invite.media.codec');
  });

  test('absent optional and repeated fields are fine', () => {
    const m = editedInvite((objects) => objects.filter((o) => o.id !== 5 && o.id !== 7));
    const r = Invite.fromMessage(m);
    assert.ok(r.ok);
    assert.deepStrictEqual(r.value.candidates, []);
    assert.equal('subject' in r.value, false);
  });

  test('a field of the wrong type is SCHEMA_BAD_TYPE', () => {
    assertRemote(Invite.fromMessage(editedInvite(replaceId(1, { id: 1, type: 'uint', value: 1 }))), 'SCHEMA_BAD_TYPE', 'invite.caller');
    assertRemote(Invite.fromMessage(editedInvite(replaceId(4, { id: 4, type: 'blob', value: Uint8Array.of() }))), 'SCHEMA_BAD_TYPE', 'invite.media');
    assertRemote(
      Invite.fromMessage(editedInvite(replaceId(9, { id: 9, type: 'uint', value: 3 }))),
      'SCHEMA_BAD_TYPE',
      'invite.nonce',
    );
    // A single-valued field sent twice.
    assertRemote(
      Invite.fromMessage(editedInvite((objects) => [...objects, { id: 3, type: 'uint', value: 1 }])),
      'SCHEMA_BAD_TYPE',
      'invite.video',
    );
  });

  describe('a value out of range is SCHEMA_OUT_OF_RANGE', () => {
    const cases: [string, WireObject, string][] = [
      ['a 31-byte callId', { id: 2, type: 'blob', value: new Uint8Array(31) }, 'invite.callId'],
      ['a 33-byte callId', { id: 2, type: 'blob', value: new Uint8Array(33) }, 'invite.callId'],
      ['an empty caller', { id: 1, type: 'string', value: '' }, 'invite.caller'],
      ['a 65-byte caller', { id: 1, type: 'string', value: 'é'.repeat(32) + 'x' }, 'invite.caller'],
      ['a bool of 2', { id: 3, type: 'uint', value: 2 }, 'invite.video'],
      ['too many payload types', { id: 6, type: 'uintList', value: new Array<number>(9).fill(1) }, 'invite.payloadTypes'],
      ['a payload type of 128', { id: 6, type: 'uintList', value: [1, 128] }, 'invite.payloadTypes[1]'],
      ['a payload type of 2^64-1', { id: 6, type: 'uintList', value: [2n ** 64n - 1n] }, 'invite.payloadTypes[0]'],
      [
        'an unknown enumeration value',
        { id: 4, type: 'list', value: [{ id: 1, type: 'uint', value: 3 }, { id: 2, type: 'address', value: { host: '::1', port: 1 } }] },
        'invite.media.codec',
      ],
      [
        'a ptime below its minimum',
        { id: 4, type: 'list', value: [{ id: 1, type: 'uint', value: 0 }, { id: 2, type: 'address', value: { host: '::1', port: 1 } }, { id: 3, type: 'uint', value: 9 }] },
        'invite.media.ptimeMs',
      ],
    ];
    for (const [name, object, path] of cases) {
      test(name, () => {
        const m = editedInvite(replaceId(object.id, object));
        for (const encoding of ENCODINGS) assertRemote(Invite.fromMessage(overTheWire(m, encoding)), 'SCHEMA_OUT_OF_RANGE', path);
      });
    }
  });

  test('an unknown command is SCHEMA_UNKNOWN_COMMAND', () => {
    assertRemote(Calls.decode({ command: 43, requestId: 0, objects: [] }), 'SCHEMA_UNKNOWN_COMMAND');
    assertRemote(Invite.fromMessage(Ringing.toMessage({ callId: CALL_ID })), 'SCHEMA_UNKNOWN_COMMAND');
  });
});

describe('encoding our own values', () => {
  test('a value out of range throws a local SCHEMA_OUT_OF_RANGE', () => {
    assertLocal(() => Invite.toMessage({ ...invite, callId: new Uint8Array(31) }), 'SCHEMA_OUT_OF_RANGE', 'invite.callId');
    assertLocal(() => Invite.toMessage({ ...invite, caller: '' }), 'SCHEMA_OUT_OF_RANGE', 'invite.caller');
    assertLocal(() => Invite.toMessage({ ...invite, payloadTypes: [200] }), 'SCHEMA_OUT_OF_RANGE', 'invite.payloadTypes[0]');
    assertLocal(() => Invite.toMessage({ ...invite, payloadTypes: new Array<number>(9).fill(0) }), 'SCHEMA_OUT_OF_RANGE', 'invite.payloadTypes');
    assertLocal(() => Invite.toMessage({ ...invite, media: { ...invite.media, ptimeMs: 121 } }), 'SCHEMA_OUT_OF_RANGE', 'invite.media.ptimeMs');
    assertLocal(() => Invite.toMessage({ ...invite, sentAtUs: 2n ** 64n }), 'SCHEMA_OUT_OF_RANGE', 'invite.sentAtUs');
    assertLocal(() => Invite.toMessage({ ...invite, candidates: [{ host: 'example.com', port: 1 }] }), 'SCHEMA_OUT_OF_RANGE', 'invite.candidates[0]');
    assertLocal(() => Bye.toMessage({ callId: CALL_ID, reason: 'lost' as 'busy' }), 'SCHEMA_OUT_OF_RANGE', 'bye.reason');
  });

  test('a missing required field or a wrong type throws locally', () => {
    assertLocal(() => Invite.toMessage({ ...invite, caller: undefined } as unknown as InviteValue), 'SCHEMA_MISSING_FIELD', 'invite.caller');
    assertLocal(() => Invite.toMessage({ ...invite, caller: 5 } as unknown as InviteValue), 'SCHEMA_BAD_TYPE', 'invite.caller');
    assertLocal(() => Invite.toMessage({ ...invite, callId: 'c1' } as unknown as InviteValue), 'SCHEMA_BAD_TYPE', 'invite.callId');
    assertLocal(() => Invite.toMessage({ ...invite, candidates: undefined } as unknown as InviteValue), 'SCHEMA_BAD_TYPE', 'invite.candidates');
  });

  test(
    'fixed64 and bool check their values like every other codec',
    () => {
      assertLocal(() => Invite.toMessage({ ...invite, nonce: 2n ** 64n }), 'SCHEMA_OUT_OF_RANGE', 'invite.nonce');
      assertLocal(() => Invite.toMessage({ ...invite, video: 'no' } as unknown as InviteValue), 'SCHEMA_BAD_TYPE', 'invite.video');
    },
  );
});

describe('definitions', () => {
  test('fields sharing an id are rejected', () => {
    assert.throws(() => struct({ a: field(1, uint()), b: optional(1, string()) }), /share id 1/);
    assert.throws(() => defineMessage('m', 1, { a: field(3, uint()), b: repeated(3, uint()) }), /share id 3/);
  });

  test('ids and commands outside 0..65535 are rejected', () => {
    assert.throws(() => struct({ a: field(65536, uint()) }), /out of range/);
    assert.throws(() => struct({ a: field(-1, uint()) }), /out of range/);
    assert.throws(() => defineMessage('m', 65536, {}), /out of range/);
  });

  test('messages sharing a command or a name are rejected', () => {
    assert.throws(() => defineProtocol('p', [Invite, defineMessage('other', 40, {})]), /share command 40/);
    assert.throws(() => defineProtocol('p', [Bye, defineMessage('bye', 50, {})]), /two messages named bye/);
  });
});
