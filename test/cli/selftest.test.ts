import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';

import { runParley } from './parley-process.js';

const VECTORS = fileURLToPath(new URL('../../../test/crypto/vectors/cacophony-subset.json', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'parley-selftest-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('parley selftest noise', () => {
  test('--json on the repository vectors: all pass, exit 0', async () => {
    const run = await runParley(['selftest', 'noise', '--vectors', VECTORS, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { passed: number; failed: number; skipped: number };
    assert.deepEqual({ passed: report.passed, failed: report.failed, skipped: report.skipped }, { passed: 48, failed: 0, skipped: 0 });
  });

  test('a failing vector: the report names it and the exit code is 1', async () => {
    const file = JSON.parse(readFileSync(VECTORS, 'utf8')) as { vectors: { messages: { ciphertext: string }[] }[] };
    const bad = file.vectors[0] as { messages: { ciphertext: string }[] };
    const m = bad.messages[2] as { ciphertext: string };
    m.ciphertext = (m.ciphertext[0] === 'a' ? 'b' : 'a') + m.ciphertext.slice(1);
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify(file));
    const run = await runParley(['selftest', 'noise', '--vectors', path]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /passed 47, failed 1, skipped 0/);
    assert.match(run.stdout, /FAILED Noise_/);
    assert.equal(run.stderr.trim().split('\n').length, 1);
  });

  test('an unreadable or malformed file is bad input: one line, exit 2', async () => {
    const missing = await runParley(['selftest', 'noise', '--vectors', join(dir, 'none.json')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^parley: CLI_BAD_FILE/);
    const path = join(dir, 'garbage.json');
    writeFileSync(path, '{ not json');
    const garbage = await runParley(['selftest', 'noise', '--vectors', path]);
    assert.equal(garbage.code, 2);
    assert.equal(garbage.stderr.trim().split('\n').length, 1);
  });
});

describe('parley selftest randomness', () => {
  test('--json --seed: live session packets pass, the structured control fails, exit 0', { timeout: 120_000 }, async () => {
    const run = await runParley(['selftest', 'randomness', '--json', '--seed', '7']);
    assert.equal(run.code, 0, run.stderr);
    const r = JSON.parse(run.stdout) as { pass: boolean; largest: number; critical: number; control: { fails: boolean; largest: number }; kinds: Record<string, { packets: number }> };
    assert.equal(r.pass, true);
    assert.ok(r.largest < r.critical);
    assert.equal(r.control.fails, true);
    assert.ok(r.control.largest > r.critical);
    for (const kind of ['initiation', 'response', 'cookie', 'transport']) assert.ok((r.kinds[kind]?.packets ?? 0) >= 1000, kind);
  });

  test('a bad seed is bad usage: one line, exit 2', async () => {
    const run = await runParley(['selftest', 'randomness', '--seed', 'x']);
    assert.equal(run.code, 2);
    assert.equal(run.stderr.trim().split('\n').length, 1);
  });
});
