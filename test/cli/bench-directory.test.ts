import assert from 'node:assert/strict';
import { test } from 'node:test';

import { runParley } from './parley-process.js';

test('parley bench directory --json: membership traffic with churn on a small simulated network', { timeout: 120_000 }, async () => {
  const run = await runParley(['bench', 'directory', '--json', '--supernodes', '40', '--minutes', '2', '--seed', '3']);
  assert.equal(run.code, 0, run.stderr);
  const r = JSON.parse(run.stdout) as { membership: { supernodes: number; measured: number; bytesPerSecond: { mean: number; p50: number; p99: number; max: number }; agreedAfterChurn: boolean }; notYetMeasured: string[] };
  assert.equal(r.membership.supernodes, 40);
  assert.ok(r.membership.agreedAfterChurn);
  const b = r.membership.bytesPerSecond;
  assert.ok(b.mean > 0 && b.p50 <= b.p99 && b.p99 <= b.max, JSON.stringify(b));
  assert.ok(r.membership.measured > 30);
  assert.ok(r.notYetMeasured.length > 0, 'what is not measured yet is named');
});

test('parley bench directory --supernodes 2: bad usage, exit 2', async () => {
  const run = await runParley(['bench', 'directory', '--supernodes', '2']);
  assert.equal(run.code, 2);
});
