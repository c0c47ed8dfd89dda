import assert from 'node:assert/strict';
import { test } from 'node:test';

import { runParley } from './parley-process.js';

test('parley bench directory --json: membership traffic with churn, lookups steady and after 10% crash on simulated networks, lookups through a supernode process, and attachment failover between supernode processes', { timeout: 120_000 }, async () => {
  const run = await runParley(['bench', 'directory', '--json', '--supernodes', '40', '--minutes', '2', '--seed', '3']);
  assert.equal(run.code, 0, run.stderr);
  type Figures = { lookups: number; success: number; p50Ms: number; p99Ms: number };
  const r = JSON.parse(run.stdout) as { membership: { supernodes: number; measured: number; bytesPerSecond: { mean: number; p50: number; p99: number; max: number }; agreedAfterChurn: boolean }; lookups: { steady: Figures; afterTenPercentCrash: Figures; afterRecovery: Figures; oneWayDelayMs: number }; process: { lookupsPerSecond: number; p50Ms: number; failed: number }; failover: { ms: number[]; maxMs: number } };
  assert.equal(r.membership.supernodes, 40);
  assert.ok(r.membership.agreedAfterChurn);
  const b = r.membership.bytesPerSecond;
  assert.ok(b.mean > 0 && b.p50 <= b.p99 && b.p99 <= b.max, JSON.stringify(b));
  assert.ok(r.membership.measured > 30);
  assert.ok(r.process.lookupsPerSecond > 0 && r.process.p50Ms > 0, JSON.stringify(r.process));
  assert.equal(r.process.failed, 0);
  assert.equal(r.failover.ms.length, 3, 'three kills, each timed');
  assert.ok(r.failover.ms.every((ms) => ms > 0 && ms < 30_000) && r.failover.maxMs === Math.max(...r.failover.ms), JSON.stringify(r.failover));
  for (const f of [r.lookups.steady, r.lookups.afterTenPercentCrash, r.lookups.afterRecovery]) {
    assert.ok(f.lookups > 0 && f.success > 0.99 && f.p50Ms >= 4 * r.lookups.oneWayDelayMs && f.p50Ms <= f.p99Ms, JSON.stringify(f));
  }
});

test('parley bench directory --supernodes 2: bad usage, exit 2', async () => {
  const run = await runParley(['bench', 'directory', '--supernodes', '2']);
  assert.equal(run.code, 2);
});
