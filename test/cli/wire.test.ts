/**
 * `parley wire encode` and `parley wire decode` against the real codec, through the built binary:
 * round trips through both encodings, hex input forms, and coded one-line errors.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { linesOf, runParley, runParleyInProcess } from './parley-process.js';

/** One message using every object type, big integers, IPv4 and IPv6, nested lists and a long blob. */
const SAMPLE = {
  command: 0x0123,
  requestId: 7,
  objects: [
    { id: 1, type: 'uint', value: 0 },
    { id: 2, type: 'uint', value: '18446744073709551615' },
    { id: 3, type: 'fixed64', value: '0x0123456789abcdef' },
    { id: 4, type: 'address', value: '192.0.2.1:443' },
    { id: 5, type: 'address', value: '[2001:db8::1]:5060' },
    { id: 6, type: 'string', value: 'héllo "parley"\n' },
    { id: 7, type: 'blob', value: '00ff10' },
    { id: 8, type: 'blob', value: 'ab'.repeat(100) },
    {
      id: 9,
      type: 'list',
      value: [
        { id: 1, type: 'string', value: 'inner' },
        { id: 2, type: 'list', value: [{ id: 3, type: 'uint', value: 5 }] },
      ],
    },
    { id: 10, type: 'uintList', value: [1, 300, '9007199254740993'] },
  ],
};
const SAMPLE_JSON = JSON.stringify(SAMPLE);

/** The tree `wire decode` must print for SAMPLE, below its header line. */
const SAMPLE_TREE_BODY = [
  '  [1] uint 0',
  '  [2] uint 18446744073709551615',
  '  [3] fixed64 0x0123456789abcdef',
  '  [4] address 192.0.2.1:443',
  '  [5] address [2001:db8::1]:5060',
  `  [6] string ${JSON.stringify('héllo "parley"\n')}`,
  '  [7] blob 00ff10',
  `  [8] blob ${'ab'.repeat(32)}… (100 bytes)`,
  '  [9] list (2 objects)',
  '    [1] string "inner"',
  '    [2] list (1 object)',
  '      [3] uint 5',
  '  [10] uintList [1, 300, 9007199254740993]',
];

async function encode(extra: readonly string[] = []): Promise<string> {
  const r = await runParley(['wire', 'encode', SAMPLE_JSON, ...extra]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /^(?:[0-9a-f]{2})+\n$/);
  return r.stdout.trim();
}

for (const encoding of ['plain', 'compressed'] as const) {
  const flags = encoding === 'compressed' ? ['--compressed'] : [];

  describe(`wire encode | wire decode, ${encoding}`, { concurrency: true }, () => {
    test('decode --json gives back the message, the encoding and the byte count', async () => {
      const hex = await encode(flags);
      const r = await runParley(['wire', 'decode', '--json', hex]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.deepEqual(JSON.parse(r.stdout), { encoding, bytes: hex.length / 2, message: SAMPLE });
    });

    test('decode prints the tree', async () => {
      const hex = await encode(flags);
      const r = await runParley(['wire', 'decode', hex]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(linesOf(r.stdout), [
        `message command=291 requestId=7 (${encoding}, ${hex.length / 2} bytes)`,
        ...SAMPLE_TREE_BODY,
      ]);
    });

    test('decode accepts hex with spaces, colons and upper case', async () => {
      const hex = await encode(flags);
      const spaced = (hex.toUpperCase().match(/../g) ?? []).map((b, i) => (i % 2 ? `${b}:` : `${b} `)).join('');
      const r = await runParley(['wire', 'decode', '--json', spaced]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual((JSON.parse(r.stdout) as { message: unknown }).message, SAMPLE);
    });

    test('encode --json gives the same hex with encoding and byte count', async () => {
      const hex = await encode(flags);
      const r = await runParley(['wire', 'encode', SAMPLE_JSON, '--json', ...flags]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), { encoding, bytes: hex.length / 2, hex });
    });

    test("encode - reads the message from standard input", async () => {
      const hex = await encode(flags);
      const r = await runParley(['wire', 'encode', '-', ...flags], SAMPLE_JSON);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${hex}\n`);
    });
  });
}

describe('wire decode errors: one coded line, exit 2', { concurrency: true }, () => {
  test('truncated plain bytes', async () => {
    const hex = await encode();
    const r = await runParley(['wire', 'decode', hex.slice(0, -2)]);
    assert.equal(r.code, 2, r.stdout);
    assert.equal(r.stdout, '');
    assert.equal(linesOf(r.stderr).length, 1, r.stderr);
    assert.match(r.stderr, /^parley: WIRE_[A-Z_]+: \S/);
  });

  test('no bytes at all', async () => {
    const r = await runParley(['wire', 'decode', '']);
    assert.equal(r.code, 2, r.stdout);
    assert.equal(linesOf(r.stderr).length, 1, r.stderr);
    assert.match(r.stderr, /^parley: WIRE_EMPTY: /);
  });
});

describe('wire encode errors: one coded line, exit 2', { concurrency: true }, () => {
  const cases: readonly (readonly [string, string, RegExp])[] = [
    ['text that is not JSON', '{', /^parley: CLI_BAD_JSON: /],
    ['JSON that is not a message', '{"command":1,"requestId":0}', /^parley: WIRE_BAD_VALUE: objects must be an array\n$/],
    ['an object of an unknown type', '{"command":1,"requestId":0,"objects":[{"id":1,"type":"float","value":1}]}', /^parley: WIRE_BAD_VALUE: /],
  ];
  for (const [what, json, expected] of cases) {
    test(what, async () => {
      const r = await runParley(['wire', 'encode', json]);
      assert.equal(r.code, 2, r.stdout);
      assert.equal(r.stdout, '');
      assert.equal(linesOf(r.stderr).length, 1, r.stderr);
      assert.match(r.stderr, expected);
    });
  }

  test('bad JSON on standard input', async () => {
    const r = await runParley(['wire', 'encode', '-'], '{"command":');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^parley: CLI_BAD_JSON: [^\n]*\n$/);
  });

  test('- without standard input (in-process run)', async () => {
    const r = await runParleyInProcess(['wire', 'encode', '-']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'parley: CLI_NO_STDIN: no standard input to read\n');
  });
});
