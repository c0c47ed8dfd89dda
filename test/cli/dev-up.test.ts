import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';

import { eventually } from '../supernode/processes.js';
import { PARLEY_MAIN, runParley } from './parley-process.js';

const root = mkdtempSync(join(tmpdir(), 'parley-devup-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('parley dev up starts a network with a daemon per user; parley msg works against it as the README says; Ctrl-C stops everything', { timeout: 120_000 }, async () => {
  const dir = join(root, 'net');
  const child = spawn(process.execPath, [PARLEY_MAIN, 'dev', 'up', '--dir', dir, '--supernodes', '2', '--users', 'alice,Bob', '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
    const up = JSON.parse(line) as { users: { username: string; profile: string; api: string; password: string }[]; supernodes: unknown[] };
    assert.deepEqual(up.users.map((u) => u.username), ['alice', 'Bob']);
    assert.equal(up.supernodes.length, 2);
    const [alice, bob] = up.users as [(typeof up.users)[number], (typeof up.users)[number]];
    const sent = await runParley(['msg', 'bob', 'hello from the README', '--profile', alice.profile]);
    assert.equal(sent.code, 0, sent.stderr);
    let history: { sender: string; text: string }[] = [];
    await eventually(async () => {
      const h = await runParley(['history', 'alice', '--profile', bob.profile, '--json']);
      history = h.code === 0 ? (JSON.parse(h.stdout) as typeof history) : [];
      return history.some((m) => m.text === 'hello from the README');
    }, 20_000, 'bob has the message');
    assert.deepEqual(history.map((m) => `${m.sender}: ${m.text}`), ['alice: hello from the README']);
    assert.ok(existsSync(join(alice.profile, 'api.json')));
    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 0);
    assert.ok(!existsSync(join(alice.profile, 'api.json')), 'the daemons stopped cleanly');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('parley dev up with bad options: usage errors, exit 2', async () => {
  for (const args of [['--supernodes', '0'], ['--users', 'no spaces allowed'], ['--users', 'a,A']]) {
    const r = await runParley(['dev', 'up', ...args]);
    assert.equal(r.code, 2, args.join(' '));
  }
});
