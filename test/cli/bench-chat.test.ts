import assert from 'node:assert/strict';
import { test } from 'node:test';

import { runParley } from './parley-process.js';

test('parley bench chat --json: presence and message latency and a burst between two devices on supernode processes, every change and message arriving', { timeout: 120_000 }, async () => {
  const run = await runParley(['bench', 'chat', '--json']);
  assert.equal(run.code, 0, run.stderr);
  const r = JSON.parse(run.stdout) as { presence: { changes: number; p50Ms: number; maxMs: number }; message: { messages: number; p50Ms: number; p99Ms: number; deliveredP50Ms: number }; burst: { messages: number; perSecond: number } };
  assert.equal(r.presence.changes, 10, 'every presence change was seen');
  assert.equal(r.message.messages, 100, 'every message arrived');
  assert.equal(r.burst.messages, 200);
  assert.ok(r.presence.p50Ms > 0 && r.presence.p50Ms <= r.presence.maxMs, JSON.stringify(r.presence));
  assert.ok(r.message.p50Ms > 0 && r.message.p50Ms <= r.message.p99Ms && r.message.deliveredP50Ms >= r.message.p50Ms, JSON.stringify(r.message));
  assert.ok(r.burst.perSecond > 0);
});
