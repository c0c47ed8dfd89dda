/** formatTree: the readable form `parley wire decode` prints. */

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { formatTree, TREE_BLOB_BYTES_SHOWN } from '../../src/wire/tree.js';
import type { WireMessage } from '../../src/wire/types.js';

test('header, then one line per object, nested lists indented', () => {
  const m: WireMessage = {
    command: 5,
    requestId: 0,
    objects: [
      { id: 1, type: 'uint', value: 2n ** 64n - 1n },
      { id: 2, type: 'fixed64', value: 0xabn },
      { id: 3, type: 'address', value: { host: '::1', port: 9 } },
      { id: 4, type: 'list', value: [{ id: 1, type: 'string', value: 'a"b' }] },
      { id: 5, type: 'uintList', value: [] },
      { id: 6, type: 'blob', value: new Uint8Array(0) },
    ],
  };
  assert.equal(
    formatTree(m, { encoding: 'plain', bytes: 1 }),
    [
      'message command=5 requestId=0 (plain, 1 byte)',
      '  [1] uint 18446744073709551615',
      '  [2] fixed64 0x00000000000000ab',
      '  [3] address [::1]:9',
      '  [4] list (1 object)',
      '    [1] string "a\\"b"',
      '  [5] uintList []',
      '  [6] blob (0 bytes)',
    ].join('\n'),
  );
});

test('without source information the header has only command and requestId', () => {
  assert.equal(formatTree({ command: 1, requestId: 2, objects: [] }), 'message command=1 requestId=2');
});

test('blobs up to the limit are shown whole, longer ones cut with their length', () => {
  const blob = (n: number): WireMessage => ({
    command: 0,
    requestId: 0,
    objects: [{ id: 0, type: 'blob', value: new Uint8Array(n).fill(0xee) }],
  });
  const lastLine = (m: WireMessage): string => formatTree(m).split('\n').pop() ?? '';
  assert.equal(lastLine(blob(TREE_BLOB_BYTES_SHOWN)), `  [0] blob ${'ee'.repeat(TREE_BLOB_BYTES_SHOWN)}`);
  assert.equal(
    lastLine(blob(TREE_BLOB_BYTES_SHOWN + 1)),
    `  [0] blob ${'ee'.repeat(TREE_BLOB_BYTES_SHOWN)}… (${TREE_BLOB_BYTES_SHOWN + 1} bytes)`,
  );
});
