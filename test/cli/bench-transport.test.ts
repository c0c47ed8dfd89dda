import assert from 'node:assert/strict';
import { test } from 'node:test';

import { runParley } from './parley-process.js';

test('parley bench transport --json: one JSON report with every figure, through the built binary', { timeout: 120_000 }, async () => {
  const run = await runParley(['bench', 'transport', '--json', '--seconds', '0.05']);
  assert.equal(run.code, 0, run.stderr);
  const r = JSON.parse(run.stdout) as Record<string, unknown>;
  for (const key of ['sealOpenPerSec', 'bareAeadPerSec', 'ratio', 'handshakesPerSec', 'udpRoundTripsPerSec']) {
    assert.equal(typeof r[key], 'number', key);
    assert.ok((r[key] as number) > 0, `${key} is positive`);
  }
  assert.equal(r['payloadBytes'], 200);
  assert.ok(Math.abs((r['ratio'] as number) - (r['sealOpenPerSec'] as number) / (r['bareAeadPerSec'] as number)) < 1e-9);
});

test('parley bench transport --seconds 0: bad usage, one line, exit 2', async () => {
  const run = await runParley(['bench', 'transport', '--seconds', '0']);
  assert.equal(run.code, 2);
  assert.equal(run.stderr.trim().split('\n').length, 1);
  assert.equal(run.stdout, '');
});
