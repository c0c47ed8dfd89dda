import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';

import { compareAudio } from '../../src/call/envelope.js';
import { readWav48k } from '../../src/call/wav.js';
import { makeSpeech, speechUnavailable } from '../call/speech.js';
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

test('parley call between two daemons of parley dev up, bob on auto-answer (echo): the call\'s quality report, and the speech comes back', { skip: speechUnavailable ?? false, timeout: 120_000 }, async () => {
  const dir = join(root, 'calls');
  const child = spawn(process.execPath, [PARLEY_MAIN, 'dev', 'up', '--dir', dir, '--supernodes', '2', '--auto-answer', 'bob', '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
    const up = JSON.parse(line) as { users: { username: string; profile: string }[] };
    const alice = up.users[0] as { profile: string };
    const speechPath = makeSpeech(mkdtempSync(join(root, 'speech-')));
    const heardPath = join(root, 'heard.wav');
    const r = await runParley(['call', 'bob', '--audio-in', speechPath, '--audio-out', heardPath, '--duration', '10', '--json', '--profile', alice.profile]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { state: string; reason: string; answeredAt: number; endedAt: number; quality: { mos: number; rating: number; lossPercent: number; jitterMs: number; rttMs: number; packetsSent: number; remote: { mos: number } | null }; audio: { recording: string } };
    console.log(`parley call --json: ${r.stdout.trim()}`);
    assert.equal(report.state, 'ended');
    assert.equal(report.reason, 'hung-up');
    // Not before its duration (how soon after depends on the machine's load: no timing target here).
    assert.ok(report.endedAt - report.answeredAt >= 10_000, 'hung up once its 10 s were over');
    assert.ok(report.quality.mos >= 4 && report.quality.rttMs >= 0 && report.quality.remote !== null, JSON.stringify(report.quality));
    assert.equal(report.audio.recording, heardPath);
    // Bob sends back what he hears: alice hears her own speech after two legs, each with its own
    // jitter buffer (whose small moves shift the alignment), so less alike than one leg (calls.test.ts: >= 0.9).
    const c = compareAudio(readWav48k(speechPath), readWav48k(heardPath), 48_000);
    console.log(`echo through bob: envelope correlation ${c.correlation.toFixed(3)} at ${c.delayMs} ms`);
    assert.ok(c.correlation >= 0.85, `correlation ${c.correlation}`);
    // The call lasts 10 s of the 12 s file, less the echo's delay.
    assert.ok(c.coverage >= 0.7, `the recording covers ${c.coverage} of the speech`);
    child.kill('SIGINT');
    assert.equal(((await once(child, 'exit')) as [number])[0], 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
