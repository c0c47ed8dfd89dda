import assert from 'node:assert/strict';
import { test } from 'node:test';

import { runParley } from './parley-process.js';

interface Row {
  store: string;
  instances: number;
  registrationsPerSec: number;
  loginsPerSec: number;
  registrations: number;
  logins: number;
  errors: number;
  firstError: string | null;
  serverCpuMsPerRegistration: number | null;
  serverCpuMsPerLogin: number | null;
}

test('parley bench login --json: every configuration runs against real login-server processes without an error', { timeout: 180_000 }, async () => {
  const run = await runParley(['bench', 'login', '--json', '--seconds', '0.4', '--concurrency', '2']);
  assert.equal(run.code, 0, run.stderr);
  const r = JSON.parse(run.stdout) as { results: Row[]; skipped: { store: string; instances: number; reason: string }[]; clientStretchMs: number; concurrency: number; loginStartTiming: { knownUs: number; unknownUs: number; differenceUs: number } };
  assert.equal(r.concurrency, 2);
  assert.ok(r.clientStretchMs > 0);
  assert.ok(r.loginStartTiming.knownUs > 0 && r.loginStartTiming.unknownUs > 0);
  assert.equal(r.loginStartTiming.differenceUs, r.loginStartTiming.unknownUs - r.loginStartTiming.knownUs);
  // With PARLEY_TEST_POSTGRES (CI) all three run; without it the PostgreSQL two are skipped with the reason.
  const expected = process.env['PARLEY_TEST_POSTGRES'] ? ['sqlite/1', 'postgres/1', 'postgres/2'] : ['sqlite/1'];
  assert.deepEqual(r.results.map((x) => `${x.store}/${x.instances}`), expected);
  assert.equal(r.results.length + r.skipped.length, 3);
  for (const s of r.skipped) assert.match(s.reason, /PostgreSQL URL/);
  for (const x of r.results) {
    assert.equal(x.errors, 0, `${x.store}/${x.instances}: ${x.firstError ?? ''}`);
    assert.ok(x.registrations > 0 && x.logins > 0, `${x.store}/${x.instances} did some of each`);
    assert.ok(x.registrationsPerSec > 0 && x.loginsPerSec > 0);
    // The servers' CPU per operation comes from /proc (Linux).
    if (process.platform === 'linux') assert.ok((x.serverCpuMsPerRegistration ?? 0) > 0 && (x.serverCpuMsPerLogin ?? 0) > 0, `${x.store}/${x.instances} server CPU`);
  }
});

test('parley bench login --concurrency 0: bad usage, one line, exit 2', async () => {
  const run = await runParley(['bench', 'login', '--concurrency', '0']);
  assert.equal(run.code, 2);
  assert.equal(run.stderr.trim().split('\n').length, 1);
});
