import assert from 'node:assert/strict';
import { test } from 'node:test';

import { expectedPath, labPairs, meets, summarize, type LabRow } from '../../src/natlab/matrix.js';
import { NAT_KINDS } from '../../src/natlab/nat-rules.js';

test('the lab matrix: every two kinds once, the harder side dialing; the targets of issue #7 per pair', () => {
  const pairs = labPairs();
  assert.equal(pairs.length, (NAT_KINDS.length * (NAT_KINDS.length + 1)) / 2);
  assert.equal(new Set(pairs.map((p) => [p.a, p.b].sort().join(' '))).size, pairs.length, 'no pair twice');
  for (const p of pairs) assert.ok(NAT_KINDS.indexOf(p.a) >= NAT_KINDS.indexOf(p.b), `${p.a} dials ${p.b}`);
  assert.equal(expectedPath('udp-blocked', 'public'), 'relay-tcp');
  assert.equal(expectedPath('udp-blocked', 'udp-blocked'), 'relay-tcp');
  assert.equal(expectedPath('symmetric', 'symmetric'), 'relay-udp');
  assert.equal(expectedPath('symmetric', 'port-restricted'), 'direct-90');
  assert.equal(expectedPath('port-restricted', 'symmetric'), 'direct-90');
  for (const k of ['public', 'full-cone', 'address-restricted'] as const) assert.equal(expectedPath('symmetric', k), 'direct');
  assert.equal(expectedPath('port-restricted', 'port-restricted'), 'direct');
  assert.equal(meets('direct', true, 'relay-udp'), false);
  assert.equal(meets('relay-tcp', true, 'relay-tcp'), true);
  assert.equal(meets('direct-90', true, 'direct'), true);
  assert.equal(meets('direct', false, null), false, 'not connected never meets');
});

test('the lab summary: connected, on target, first byte p50 and max', () => {
  const row = (firstByteMs: number | null, met: boolean): LabRow => ({ a: 'A-x', b: 'B-y', connected: firstByteMs !== null, path: firstByteMs === null ? null : 'direct', firstByteMs, directAfterMs: null, expected: 'direct', met });
  assert.deepEqual(summarize([row(30, true), row(10, true), row(20, false), row(null, false)]), { pairs: 4, connected: 3, met: 2, firstByteP50Ms: 20, firstByteMaxMs: 30 });
  assert.deepEqual(summarize([]), { pairs: 0, connected: 0, met: 0, firstByteP50Ms: null, firstByteMaxMs: null });
});
