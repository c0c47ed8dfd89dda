import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { compareAudio } from '../../src/call/envelope.js';
import { readWav48k } from '../../src/call/wav.js';
import type { CallJson, ConferenceJson } from '../../src/sdk/index.js';
import { runParley } from '../cli/parley-process.js';
import { eventually } from '../supernode/processes.js';
import { CallNetwork, callEnded, callEvents, type Device } from './network.js';
import { makeSpeech, speechUnavailable } from './speech.js';

const root = mkdtempSync(join(tmpdir(), 'parley-conference-'));
const net = new CallNetwork(root);
after(async () => {
  await net.close();
  rmSync(root, { recursive: true, force: true });
});

const ringing = (d: Device): CallJson | undefined => callEvents(d).find((c) => c.state === 'incoming' && !callEvents(d).some((o) => o.id === c.id && o.state === 'ended'));
const rms = (s: Int16Array): number => Math.sqrt(s.reduce((sum, v) => sum + v * v, 0) / Math.max(1, s.length));

test('a three-party conference between parley node processes: the host mixes all but one, so carol hears bob through the host and bob does not hear himself; adding someone to a call; the host leaving ends it for everyone', { skip: speechUnavailable ?? false, timeout: 240_000 }, async () => {
  const speechPath = makeSpeech(root);
  const speech = readWav48k(speechPath);
  await net.start('conference');
  const alice = await net.device('alice', 'alice', true);
  const bob = await net.device('bob', 'bob', true);
  const carol = await net.device('carol', 'carol', true);
  await net.befriend(alice, bob);
  await net.befriend(alice, carol);

  // 1. Alice hosts bob and carol from the command line, silent herself; bob speaks; all three record.
  const hostHeard = join(root, 'host-heard.wav');
  const bobHeard = join(root, 'bob-heard.wav');
  const carolHeard = join(root, 'carol-heard.wav');
  const hosting = runParley(['call', 'bob', 'carol', '--audio-out', hostHeard, '--duration', '14', '--json', '--profile', alice.profile]);
  await eventually(() => Promise.resolve(ringing(bob) !== undefined && ringing(carol) !== undefined), 30_000, 'bob and carol ring');
  assert.deepEqual(ringing(carol)?.conference, { id: null, host: 'alice', roster: ['alice'] }, 'the invitation says who hosts');
  // Carol first, so that she hears all of bob's speech.
  await carol.sdk.answer(undefined, { audioOut: carolHeard });
  await bob.sdk.answer(undefined, { audioIn: speechPath, audioOut: bobHeard });
  const bobsCall = (ringing(bob) ?? callEvents(bob)[0]) as CallJson;
  await eventually(() => Promise.resolve(callEvents(carol).some((c) => c.conference?.roster.length === 3)), 20_000, 'carol is told bob is in');
  const run = await hosting;
  assert.equal(run.code, 0, run.stderr);
  const conf = JSON.parse(run.stdout) as ConferenceJson;
  assert.equal(conf.host, 'alice');
  assert.deepEqual(conf.calls.map((c) => [c.peer, c.reason]), [['bob', 'hung-up'], ['carol', 'hung-up']]);
  assert.equal(conf.audio?.recording, hostHeard);
  const bobEnd = await callEnded(bob, bobsCall.id);
  const carolEnd = await callEnded(carol, conf.calls[1]?.id as string);
  assert.equal(bobEnd.reason, 'conference-ended');
  assert.equal(carolEnd.reason, 'conference-ended');
  assert.deepEqual(callEvents(carol).find((c) => c.conference?.roster.length === 3)?.conference?.roster, ['alice', 'bob', 'carol']);

  const carolC = compareAudio(speech, readWav48k(carolHeard), 48_000);
  const hostC = compareAudio(speech, readWav48k(hostHeard), 48_000);
  const own = rms(readWav48k(bobHeard));
  const carols = rms(readWav48k(carolHeard));
  const q = carolEnd.quality;
  console.log(`conference: carol heard bob through alice's mix at envelope correlation ${carolC.correlation.toFixed(3)} (${carolC.delayMs} ms later), alice at ${hostC.correlation.toFixed(3)} (${hostC.delayMs} ms); bob heard himself at ${((20 * Math.log10(own / carols)) | 0)} dB against carol; carol's leg MOS ${q?.mos}, ${q?.fecRecovered} rebuilt, ${q?.concealed} concealed`);
  assert.ok(carolC.correlation >= 0.85, `carol: envelope correlation ${carolC.correlation} (two legs, each with its jitter buffer)`);
  assert.ok(hostC.correlation >= 0.9, `alice: envelope correlation ${hostC.correlation}`);
  assert.ok(carolC.coverage >= 0.95 && hostC.coverage >= 0.95, `the recordings cover ${carolC.coverage} and ${hostC.coverage} of the speech`);
  assert.ok(own < 0.05 * carols, `bob hears himself: RMS ${own} against carol's ${carols}`);

  // 2. A two-party call becomes a conference when alice adds carol; bob is told; alice's hang-up ends it for both.
  const placed = await alice.sdk.dial('bob');
  await eventually(() => Promise.resolve(ringing(bob)?.id === placed.id), 20_000, 'bob rings');
  await bob.sdk.answer(placed.id);
  await eventually(async () => (await alice.sdk.call(placed.id)).state === 'active', 10_000, 'answered');
  const stranger = await runParley(['add-to-call', 'dave', '--profile', alice.profile]);
  assert.equal(stranger.code, 1);
  assert.match(stranger.stderr, /NOT_FOUND: dave has no device/);
  const added = await runParley(['add-to-call', 'carol', '--profile', alice.profile, '--json']);
  assert.equal(added.code, 0, added.stderr);
  const made = JSON.parse(added.stdout) as ConferenceJson;
  assert.notEqual(made.id, placed.id, 'the conference has an id of its own');
  assert.deepEqual(made.calls.map((c) => c.peer), ['bob', 'carol']);
  assert.equal(made.calls[0]?.id, placed.id, 'the call is its first leg');
  await eventually(() => Promise.resolve(ringing(carol) !== undefined), 20_000, 'carol rings');
  await carol.sdk.answer();
  await eventually(async () => (await bob.sdk.call(placed.id)).conference?.roster.length === 3, 20_000, 'bob is told carol is in');
  // The host drops bob alone by his call's id; carol stays; then alice leaves, which ends it.
  const refused = await runParley(['add-to-call', 'alice', '--profile', bob.profile]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /only the conference's host, alice/);
  const dropped = await runParley(['hangup', placed.id, '--profile', alice.profile]);
  assert.equal(dropped.code, 0, dropped.stderr);
  assert.equal((await callEnded(bob, placed.id)).reason, 'remote-hung-up');
  await eventually(async () => (await alice.sdk.getConference(made.id)).roster.length === 2, 10_000, 'bob is out');
  const hungUp = await runParley(['hangup', '--profile', alice.profile]);
  assert.equal(hungUp.code, 0, hungUp.stderr);
  assert.equal((await callEnded(carol, (callEvents(carol).at(-1) as CallJson).id)).reason, 'conference-ended');
  assert.deepEqual(await alice.sdk.calls(), []);
  // Bad input: refused with a reason, nothing dialled.
  await assert.rejects(alice.sdk.conference([]), { code: 'BAD_REQUEST', status: 400 });
  await assert.rejects(alice.sdk.conference(['bob', 'bob']), { code: 'BAD_INPUT', status: 400 });
  await assert.rejects(alice.sdk.getConference('0'.repeat(32)), { status: 404 });
  assert.deepEqual(await alice.sdk.calls(), []);
});
